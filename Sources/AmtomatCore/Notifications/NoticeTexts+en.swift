extension NoticeTexts {
    static let english = NoticeTexts(
        language: .en,
        ready: "Ready for pickup: {locker}, {place}. Code {code}, until {lastDay}.{secondFactor} Questions: {phone}",
        secondFactor: " Bring your date of birth.",
        reminder: "Reminder: your document at {locker} waits only until {lastDay}. Use the code from our message of {sentDay}. Lost it? Call {phone}",
        collected: "Your document was collected from {locker} on {date} at {time}. Not you? Call us now: {phone}",
        returned: "Your document was not collected and is back at {office}. Collect it there; questions: {phone}",
        subjects: [
            .ready: "Your document is ready for pickup",
            .reminder: "Reminder: your document will not wait much longer",
            .collected: "Your document was collected",
            .returned: "Your document is back at {office}",
        ],
        footer: "This message was sent automatically; replies reach nobody. {office}, phone {phone}",
        datePattern: "dd/MM/yyyy")
}
