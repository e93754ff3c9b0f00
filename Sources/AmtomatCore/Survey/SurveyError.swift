/// Why the survey or the raffle refuses something, each one sentence that says what to do.
/// The daemon's error middleware gives each its HTTP status; the core knows no HTTP.
public enum SurveyError: Error, Equatable, Sendable, CustomStringConvertible {
    // The citizen at the kiosk
    case noSurvey
    case unknownQuestion(String, known: [String])
    case unknownOption(question: String, option: String, options: [String])
    case oneAnswerExpected(question: String, example: String)
    case listExpected(question: String, example: String)
    case optionRepeated(question: String)
    case nothingAnswered
    case surveyTokenInvalid
    case raffleNotRunning
    case raffleTokenInvalid

    // The clerk
    case invalidDay(String, example: String)
    case periodReversed(from: String, to: String)
    case purgeNotConfirmed(before: String)
    case noWinners
    case invalidSeed
    case noTickets
    case tooManyWinners(tickets: Int)
    case invalidTicket(String)
    case unknownTicket(String)
    case closeNotConfirmed

    public var description: String {
        switch self {
        case .noSurvey:
            "No survey is configured on this locker (survey.json is missing or invalid); see the daemon's log."
        case let .unknownQuestion(id, known):
            "The survey has no question '\(id)'; send only these question ids: \(known.joined(separator: ", "))."
        case let .unknownOption(question, option, options):
            "Question '\(question)' has no option '\(option)'; use one of \(options.joined(separator: ", "))."
        case let .oneAnswerExpected(question, example):
            "Question '\(question)' takes one answer; send one option id as a string, for example \"\(example)\"."
        case let .listExpected(question, example):
            "Question '\(question)' takes a list of answers; send the option ids in an array, for example [\"\(example)\"]."
        case let .optionRepeated(question):
            "Question '\(question)' lists an option more than once; send each option id once."
        case .nothingAnswered:
            "No question was answered; answer at least one question or skip the survey."
        case .surveyTokenInvalid:
            "This survey can no longer be answered: each pickup may answer once, within 30 minutes of collecting the document."
        case .raffleNotRunning:
            "The raffle is not running at the moment; there is nothing to join."
        case .raffleTokenInvalid:
            "This raffle entry is no longer valid: each survey gives one ticket, within 30 minutes."
        case let .invalidDay(text, example):
            "'\(text)' is not a date; write it as YYYY-MM-DD, for example \(example)."
        case let .periodReversed(from, to):
            "The period starts on \(from), after it ends on \(to); swap --from and --to."
        case let .purgeNotConfirmed(before):
            "Purging deletes the survey answers of every day before \(before); confirm with --yes."
        case .noWinners:
            "Draw at least one winner; use --winners 1 or more."
        case .invalidSeed:
            "The seed must be 16 to 128 hexadecimal digits (8 to 64 bytes), such as the 64 digits an earlier draw printed."
        case .noTickets:
            "There are no raffle tickets to draw from; wait until citizens have taken part."
        case let .tooManyWinners(n):
            "Only \(n) ticket\(n == 1 ? " is" : "s are") in the raffle; draw at most \(n) winner\(n == 1 ? "" : "s")."
        case let .invalidTicket(text):
            "'\(text)' is not a raffle ticket; type the eight characters shown on the kiosk, for example K7Q2-9XMP."
        case let .unknownTicket(ticket):
            "Ticket \(ticket) is not in the raffle; check the characters or see 'amtomat raffle list'."
        case .closeNotConfirmed:
            "Closing the raffle deletes every ticket; confirm with --yes."
        }
    }
}
