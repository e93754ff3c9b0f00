import Foundation

/// The frame of the survey report (headings, figures, notes, footer) in the five kiosk languages,
/// so a report is one language throughout: the question texts come from survey.json in the same
/// language, dates and numbers are written as that language writes them.
struct ReportTexts: Sendable {
    var locale: Locale
    var title: String
    var period: String
    var allDays: String
    var from: String       // "from {d}"
    var until: String      // "until {d}"
    var range: String      // "{a} to {b}"
    var responses: String
    var pickups: String
    var responseRate: String
    var satisfactionMean: String
    var satisfiedShare: String
    var answers: @Sendable (Int) -> String
    var severalOptions: String
    var meanOfFive: String        // "mean {m} of 5"
    var satisfiedSuffix: String   // "{p} satisfied or very satisfied"
    var fewResponses: @Sendable (Int) -> String
    var definitionMissing: String
    var answer: String
    var count: String
    var share: String
    var answersTo: String         // "Answers to “{q}”"
    var rateExplained: String
    var generated: String         // "Created on {d} with"
    var locker: String

    static func forLanguage(_ code: String) -> ReportTexts {
        switch code {
        case "en": english
        case "tr": turkish
        case "uk": ukrainian
        case "ar": arabic
        default: german
        }
    }

    func fill(_ template: String, _ values: String...) -> String {
        var out = template
        for (i, v) in values.enumerated() { out = out.replacingOccurrences(of: "{\(i)}", with: v) }
        return out
    }

    func number(_ value: Double, decimals: Int) -> String {
        value.formatted(.number.precision(.fractionLength(decimals)).grouping(.never).locale(locale))
    }

    func percent(_ share: Double) -> String {
        let n = number(share * 100, decimals: 1)
        return locale.identifier.hasPrefix("tr") ? "%" + n : n + " %"  // Turkish writes the sign first
    }

    /// A day "2026-03-31" as this language writes a date.
    func day(_ iso: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        guard let date = f.date(from: iso) else { return iso }
        let out = DateFormatter()
        out.locale = locale
        out.timeZone = TimeZone(identifier: "UTC")
        out.dateStyle = .medium
        out.timeStyle = .none
        return out.string(from: date)
    }

    func moment(_ date: Date) -> String {
        let out = DateFormatter()
        out.locale = locale
        out.dateStyle = .medium
        out.timeStyle = .short
        return out.string(from: date)
    }

    func period(from: String?, to: String?) -> String {
        switch (from, to) {
        case (nil, nil): allDays
        case let (a?, nil): fill(self.from, day(a))
        case let (nil, b?): fill(until, day(b))
        case let (a?, b?): a == b ? day(a) : fill(range, day(a), day(b))
        }
    }

    static let german = ReportTexts(
        locale: Locale(identifier: "de_DE"), title: "Zufriedenheitsbefragung", period: "Zeitraum",
        allDays: "alle Tage", from: "ab {0}", until: "bis {0}", range: "{0} bis {1}",
        responses: "Antworten", pickups: "Abholungen", responseRate: "Rücklaufquote",
        satisfactionMean: "Zufriedenheit (Mittelwert, 1–5)", satisfiedShare: "zufrieden oder sehr zufrieden (4–5)",
        answers: { $0 == 1 ? "1 Antwort" : "\($0) Antworten" },
        severalOptions: "Mehrfachnennungen möglich, Anteile beziehen sich auf die Antwortenden",
        meanOfFive: "Mittelwert {0} von 5", satisfiedSuffix: "{0} zufrieden oder sehr zufrieden",
        fewResponses: { "Nur \($0 == 1 ? "1 Antwort" : "\($0) Antworten") in diesem Zeitraum: einzelne Antworten könnten einer Person zugeordnet werden. Bitte nicht veröffentlichen." },
        definitionMissing: "Die Fragebogen-Datei (survey.json) fehlt: Fragen und Antworten erscheinen mit ihren Kennungen.",
        answer: "Antwort", count: "Anzahl", share: "Anteil", answersTo: "Antworten auf „{0}“",
        rateExplained: "Rücklaufquote = Antworten ÷ am Automaten abgeholte Dokumente im selben Zeitraum. Die Befragung ist anonym: gespeichert werden nur die Antworten und der Tag, ohne Bezug zu Dokument, Fach, Code oder Uhrzeit.",
        generated: "Erstellt am {0} mit", locker: "Abholautomat")

    static let english = ReportTexts(
        locale: Locale(identifier: "en_GB"), title: "Satisfaction survey", period: "Period",
        allDays: "all days", from: "from {0}", until: "until {0}", range: "{0} to {1}",
        responses: "Responses", pickups: "Pickups", responseRate: "Response rate",
        satisfactionMean: "Satisfaction (mean, 1–5)", satisfiedShare: "satisfied or very satisfied (4–5)",
        answers: { $0 == 1 ? "1 answer" : "\($0) answers" },
        severalOptions: "several options possible; shares refer to those who answered",
        meanOfFive: "mean {0} of 5", satisfiedSuffix: "{0} satisfied or very satisfied",
        fewResponses: { "Only \($0 == 1 ? "1 response" : "\($0) responses") in this period: single answers may be traced to a person. Do not publish." },
        definitionMissing: "The questionnaire file (survey.json) is missing: questions and answers are shown by their ids.",
        answer: "Answer", count: "Count", share: "Share", answersTo: "Answers to “{0}”",
        rateExplained: "Response rate = responses ÷ documents collected at the locker in the same period. The survey is anonymous: only the answers and the day are stored, with no link to document, compartment, code or time.",
        generated: "Created on {0} with", locker: "Pickup locker")

    static let turkish = ReportTexts(
        locale: Locale(identifier: "tr_TR"), title: "Memnuniyet anketi", period: "Dönem",
        allDays: "tüm günler", from: "{0} tarihinden itibaren", until: "{0} tarihine kadar", range: "{0} – {1}",
        responses: "Yanıtlar", pickups: "Teslim alınanlar", responseRate: "Yanıt oranı",
        satisfactionMean: "Memnuniyet (ortalama, 1–5)", satisfiedShare: "memnun veya çok memnun (4–5)",
        answers: { "\($0) yanıt" },
        severalOptions: "birden fazla seçenek mümkün; oranlar yanıt verenlere göredir",
        meanOfFive: "ortalama {0} / 5", satisfiedSuffix: "{0} memnun veya çok memnun",
        fewResponses: { "Bu dönemde yalnızca \($0) yanıt var: tek tek yanıtlar bir kişiyle ilişkilendirilebilir. Lütfen yayımlamayın." },
        definitionMissing: "Anket dosyası (survey.json) eksik: sorular ve yanıtlar kimlikleriyle gösteriliyor.",
        answer: "Yanıt", count: "Sayı", share: "Oran", answersTo: "“{0}” sorusuna verilen yanıtlar",
        rateExplained: "Yanıt oranı = yanıtlar ÷ aynı dönemde otomattan teslim alınan belgeler. Anket anonimdir: yalnızca yanıtlar ve gün saklanır; belge, bölme, kod veya saatle bağlantı yoktur.",
        generated: "{0} tarihinde şu komutla oluşturuldu:", locker: "Teslim otomatı")

    static let ukrainian = ReportTexts(
        locale: Locale(identifier: "uk_UA"), title: "Опитування щодо задоволеності", period: "Період",
        allDays: "усі дні", from: "з {0}", until: "до {0}", range: "{0} – {1}",
        responses: "Відповіді", pickups: "Отримання", responseRate: "Частка відповідей",
        satisfactionMean: "Задоволеність (середнє, 1–5)", satisfiedShare: "задоволені або дуже задоволені (4–5)",
        answers: { n in
            let mod10 = n % 10, mod100 = n % 100
            let word = mod10 == 1 && mod100 != 11 ? "відповідь" : (2...4).contains(mod10) && !(12...14).contains(mod100) ? "відповіді" : "відповідей"
            return "\(n) \(word)"
        },
        severalOptions: "можна обрати кілька варіантів; частки стосуються тих, хто відповів",
        meanOfFive: "середнє {0} з 5", satisfiedSuffix: "{0} задоволені або дуже задоволені",
        fewResponses: { "Лише \($0) відп. за цей період: окремі відповіді можна пов’язати з людиною. Не публікуйте." },
        definitionMissing: "Файл анкети (survey.json) відсутній: запитання й відповіді показано їхніми ідентифікаторами.",
        answer: "Відповідь", count: "Кількість", share: "Частка", answersTo: "Відповіді на «{0}»",
        rateExplained: "Частка відповідей = відповіді ÷ документи, отримані в автоматі за той самий період. Опитування анонімне: зберігаються лише відповіді та день, без зв’язку з документом, відсіком, кодом чи часом.",
        generated: "Створено {0} командою", locker: "Автомат видачі")

    static let arabic = ReportTexts(
        locale: Locale(identifier: "ar"), title: "استطلاع الرضا", period: "الفترة",
        allDays: "كل الأيام", from: "من {0}", until: "حتى {0}", range: "من {0} إلى {1}",
        responses: "الإجابات", pickups: "عمليات الاستلام", responseRate: "نسبة الاستجابة",
        satisfactionMean: "الرضا (المتوسط، 1–5)", satisfiedShare: "راضون أو راضون جدًا (4–5)",
        answers: { n in n == 1 ? "إجابة واحدة" : n == 2 ? "إجابتان" : (3...10).contains(n) ? "\(n) إجابات" : "\(n) إجابة" },
        severalOptions: "يمكن اختيار أكثر من خيار؛ النسب محسوبة من المجيبين",
        meanOfFive: "المتوسط {0} من 5", satisfiedSuffix: "{0} راضون أو راضون جدًا",
        fewResponses: { "عدد الإجابات في هذه الفترة \($0) فقط: قد يمكن ربط إجابة بشخص بعينه. يرجى عدم النشر." },
        definitionMissing: "ملف الاستبيان (survey.json) غير موجود: تظهر الأسئلة والإجابات بمعرّفاتها.",
        answer: "الإجابة", count: "العدد", share: "النسبة", answersTo: "الإجابات على «{0}»",
        rateExplained: "نسبة الاستجابة = الإجابات ÷ الوثائق المستلمة من الجهاز في الفترة نفسها. الاستطلاع مجهول الهوية: تُحفظ الإجابات واليوم فقط، دون أي ربط بالوثيقة أو الخانة أو الرمز أو الوقت.",
        generated: "أُنشئ في {0} باستخدام", locker: "جهاز الاستلام")
}
