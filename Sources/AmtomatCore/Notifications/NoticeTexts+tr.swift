extension NoticeTexts {
    static let turkish = NoticeTexts(
        language: .tr,
        ready: "Teslime hazır: {locker}, {place}. Kod {code}, son gün {lastDay}.{secondFactor} Sorular: {phone}",
        secondFactor: " Doğum tarihiniz sorulacak.",
        reminder: "Hatırlatma: belgeniz {locker} içinde {lastDay} tarihine kadar bekliyor. {sentDay} tarihli mesajımızdaki kodu kullanın. Kaybettiniz mi? {phone}",
        collected: "Belgeniz {date} {time} saatinde {locker} içinden alındı. Siz değil misiniz? Hemen arayın: {phone}",
        returned: "Belgeniz alınmadı ve yeniden {office} biriminde. Oradan alabilirsiniz; sorular: {phone}",
        subjects: [
            .ready: "Belgeniz teslime hazır",
            .reminder: "Hatırlatma: belgeniz yakında iade edilecek",
            .collected: "Belgeniz alındı",
            .returned: "Belgeniz yeniden {office} biriminde",
        ],
        footer: "Bu mesaj otomatik gönderildi; yanıtlar kimseye ulaşmaz. {office}, tel. {phone}",
        datePattern: "dd.MM.yyyy")
}
