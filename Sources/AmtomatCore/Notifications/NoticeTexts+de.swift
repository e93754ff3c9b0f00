extension NoticeTexts {
    static let german = NoticeTexts(
        language: .de,
        ready: "Abholbereit: {locker}, {place}. Code {code}, bis {lastDay}.{secondFactor} Fragen: {phone}",
        secondFactor: " Geburtsdatum wird gefragt.",
        reminder: "Erinnerung: Ihr Dokument im {locker} liegt nur bis {lastDay}. Code aus unserer Nachricht vom {sentDay}. Verloren? Tel. {phone}",
        collected: "Ihr Dokument wurde am {date} um {time} im {locker} abgeholt. Nicht Sie? Rufen Sie sofort an: {phone}",
        returned: "Ihr Dokument wurde nicht abgeholt und liegt wieder im {office}. Abholung dort; Fragen: {phone}",
        subjects: [
            .ready: "Ihr Dokument ist abholbereit",
            .reminder: "Erinnerung: Ihr Dokument wartet nicht mehr lange",
            .collected: "Ihr Dokument wurde abgeholt",
            .returned: "Ihr Dokument liegt wieder im {office}",
        ],
        footer: "Diese Nachricht wurde automatisch versandt; Antworten erreichen niemanden. {office}, Tel. {phone}",
        datePattern: "dd.MM.yyyy")
}
