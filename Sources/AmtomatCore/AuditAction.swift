/// What an audit log entry records. The raw values are the words stored in the database and shown
/// by `amtomat audit`; they never change, so old entries keep their meaning.
public enum AuditAction: String, CaseIterable, Codable, Sendable {
    // Documents
    case reserve
    case openForLoading = "open-for-loading"
    case openFailed = "open-failed"
    case depositCancelled = "deposit-cancelled"
    case doorOpened = "door-opened"
    case loaded
    case reissue
    case extend
    case withdraw
    case withdrawOpen = "withdraw-open"
    case withdrawFailed = "withdraw-failed"
    case `return`
    case returnOpen = "return-open"
    case returnFailed = "return-failed"
    case withdrawn
    case returned
    case expire
    case pickupOpen = "pickup-open"
    case pickupFailed = "pickup-failed"
    case unlockDropped = "unlock-dropped"
    case collected
    case secondFactorWrong = "second-factor-wrong"
    case reconcile
    // Compartments and hardware
    case block
    case unblock
    case selftest
    case maintenanceOpen = "maintenance-open"
    case tamperAlarm = "tamper-alarm"
    case doorLeftOpenAlarm = "door-left-open-alarm"
    case hardwareFault = "hardware-fault"
    // Survey and raffle
    case surveyPurge = "survey-purge"
    case surveyReport = "survey-report"
    case raffleRemove = "raffle-remove"
    case raffleClose = "raffle-close"
    case raffleDraw = "raffle-draw"
    // Notifications and retention
    case resend
    case notificationSent = "notification-sent"
    case notificationFailed = "notification-failed"
    case retention
    // The terminal's guessing defence
    case throttleReset = "throttle-reset"
}
