/// Errors of the domain, each a sentence that says what happened and what to do next.
public enum LockerError: Error, Equatable, Sendable, CustomStringConvertible {
    case illegalTransition(reference: String, from: DocumentState, to: DocumentState)
    case unknownDocument(reference: String)
    case duplicateReference(reference: String)
    case noFreeCompartment(size: SizeClass, accessible: Bool)
    case unknownCompartment(CompartmentID)
    case compartmentBusy(CompartmentID, CompartmentState)
    case secondFactorMissing(kind: DocumentKind)
    case invalidDateOfBirth(String)
    case implausibleDateOfBirth(String)
    case invalidHoldDays(Int, maximum: Int)
    case codeNotIssued(reference: String)

    public var description: String {
        switch self {
        case let .illegalTransition(ref, from, to):
            "Document \(ref) is \(from.rawValue) and cannot become \(to.rawValue); check its state with 'amtomat show \(ref)'."
        case let .unknownDocument(ref):
            "No document with reference \(ref) is in the locker; check the reference or list them with 'amtomat list'."
        case let .duplicateReference(ref):
            "A document with reference \(ref) is already in the locker; use 'amtomat show \(ref)' or withdraw it first."
        case let .noFreeCompartment(size, accessible):
            "No free \(accessible ? "wheelchair-reachable " : "")compartment of size \(size.rawValue) or larger; try a larger size\(accessible ? "" : ""), collect expired documents ('amtomat expired --collect') or unblock repaired compartments."
        case let .unknownCompartment(id):
            "The locker has no compartment \(id); see 'amtomat status' for the compartments it has."
        case let .compartmentBusy(id, state):
            "Compartment \(id) is \(state.rawValue); only a free compartment can be used for this."
        case let .secondFactorMissing(kind):
            "A \(kind.displayName) needs the citizen's date of birth as second factor; add --date-of-birth YYYY-MM-DD."
        case let .invalidDateOfBirth(text):
            "'\(text)' is not a date of birth; write it as YYYY-MM-DD, for example 1984-03-27."
        case let .implausibleDateOfBirth(problem):
            "\(problem); check the date of birth on the application (YYYY-MM-DD) and deposit again."
        case let .invalidHoldDays(days, maximum):
            "A hold period of \(days) days is not allowed; choose between 1 and \(maximum) days."
        case let .codeNotIssued(ref):
            "Document \(ref) has no pickup code yet; issue one with 'amtomat reissue \(ref)'."
        }
    }
}
