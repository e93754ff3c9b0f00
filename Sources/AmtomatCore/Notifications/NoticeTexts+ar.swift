extension NoticeTexts {
    static let arabic = NoticeTexts(
        language: .ar,
        ready: "جاهز للاستلام: {locker}، {place}. الرمز {code}، حتى {lastDay}.{secondFactor} للاستفسار: {phone}",
        secondFactor: " سيُطلب تاريخ ميلادك.",
        reminder: "تذكير: وثيقتك في {locker} تنتظر حتى {lastDay}. استخدم الرمز من رسالتنا بتاريخ {sentDay}. فقدته؟ {phone}",
        collected: "استُلمت وثيقتك من {locker} في {date} الساعة {time}. لست أنت؟ اتصل فورًا: {phone}",
        returned: "لم تُستلم وثيقتك وهي الآن في {office}. استلمها هناك؛ للاستفسار: {phone}",
        subjects: [
            .ready: "وثيقتك جاهزة للاستلام",
            .reminder: "تذكير: وثيقتك لن تنتظر طويلًا",
            .collected: "استُلمت وثيقتك",
            .returned: "وثيقتك الآن في {office}",
        ],
        footer: "أُرسلت هذه الرسالة تلقائيًا؛ الردود لا تصل إلى أحد. {office}، هاتف {phone}",
        datePattern: "dd/MM/yyyy")
}
