extension NoticeTexts {
    static let ukrainian = NoticeTexts(
        language: .uk,
        ready: "Готово до видачі: {locker}, {place}. Код {code}, до {lastDay}.{secondFactor} Питання: {phone}",
        secondFactor: " Запитають дату народження.",
        reminder: "Нагадування: документ у {locker} чекає до {lastDay}. Код — у повідомленні від {sentDay}. Загубили? {phone}",
        collected: "Ваш документ забрали з {locker} {date} о {time}. Це не ви? Телефонуйте: {phone}",
        returned: "Документ не забрали; він знову в {office}. Заберіть його там; питання: {phone}",
        subjects: [
            .ready: "Ваш документ готовий до видачі",
            .reminder: "Нагадування: документ скоро повернуть",
            .collected: "Ваш документ забрали",
            .returned: "Ваш документ знову в {office}",
        ],
        footer: "Це повідомлення надіслано автоматично; відповіді ніхто не читає. {office}, тел. {phone}",
        datePattern: "dd.MM.yyyy")
}
