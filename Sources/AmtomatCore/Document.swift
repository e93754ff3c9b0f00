import Foundation

/// What kind of document waits in a compartment.
public enum DocumentKind: String, CaseIterable, Codable, Sendable {
    case passport
    case idCard = "id-card"
    case eIdCard = "eid-card"
    case drivingLicence = "driving-licence"
    case residencePermit = "residence-permit"
    case other

    public var displayName: String {
        switch self {
        case .passport: "passport"
        case .idCard: "ID card"
        case .eIdCard: "eID card"
        case .drivingLicence: "driving licence"
        case .residencePermit: "residence permit"
        case .other: "other document"
        }
    }
}

/// The life of a document in the locker.
///
///     reserved ──► loading ──► ready ──► collecting ──► collected
///        │           │         │ ▲ ▲         │
///        ▼           ▼         │ │ └─────────┘ (door never opened)
///     withdrawn   reserved     │ │
///                              ▼ │
///     withdrawn ◄── withdrawing ◄┤ (from ready or expired)
///                              │ │
///     returned  ◄── returning ◄── expired
///
/// The in-between states `loading`, `collecting`, `withdrawing` and `returning` are committed before
/// a lock is released; a document leaves them only when its door has been seen open and then closed
/// (or, if the door never opened, it goes back). They hold the compartment, so it is never assigned
/// while a door may be open or a document may still be inside.
public enum DocumentState: String, CaseIterable, Codable, Sendable {
    /// A compartment is set aside for it; no door has opened yet.
    case reserved
    /// The lock was released for the clerk; the document goes in while the door is open.
    case loading
    /// In its closed compartment; the pickup code works.
    case ready
    /// The lock was released for the citizen; the door is (or is about to be) open.
    case collecting
    /// The citizen took it and closed the door.
    case collected
    /// A clerk took it back (or cancelled the deposit).
    case withdrawn
    /// The hold period ended; the code no longer works; it still lies in the compartment.
    case expired
    /// A clerk took the expired document back to the counter.
    case returned
    /// The lock was released for a clerk who takes the document back; it may still be inside.
    case withdrawing
    /// The lock was released for a clerk who takes the expired document back to the counter.
    case returning

    /// States in which the document occupies or holds its compartment.
    public var holdsCompartment: Bool {
        switch self {
        case .reserved, .loading, .ready, .collecting, .expired, .withdrawing, .returning: true
        case .collected, .withdrawn, .returned: false
        }
    }

    public var isFinal: Bool { !holdsCompartment }

    /// The in-between states: a lock was released for this document and its door decides what comes next.
    public var awaitsDoor: Bool {
        switch self {
        case .loading, .collecting, .withdrawing, .returning: true
        default: false
        }
    }

    /// Where an in-between state leads once its door has been seen open and then closed.
    public var afterDoorOpenedAndClosed: DocumentState? {
        switch self {
        case .loading: .ready
        case .collecting: .collected
        case .withdrawing: .withdrawn
        case .returning: .returned
        default: nil
        }
    }

    /// Where an in-between state goes back to when its door never opened. A withdrawal goes back to
    /// `ready`; the expiry sweep that follows makes it `expired` again if its hold period has ended.
    public var afterDoorNeverOpened: DocumentState? {
        switch self {
        case .loading: .reserved
        case .collecting: .ready
        case .withdrawing: .ready
        case .returning: .expired
        default: nil
        }
    }

    /// The transitions the locker allows. Everything else is refused.
    public func canMove(to next: DocumentState) -> Bool {
        switch (self, next) {
        case (.reserved, .loading), (.reserved, .withdrawn):
            true
        case (.loading, .ready), (.loading, .reserved):
            true
        case (.ready, .collecting), (.ready, .expired), (.ready, .withdrawing), (.ready, .ready):
            true
        case (.collecting, .collected), (.collecting, .ready):
            true
        case (.expired, .returning), (.expired, .ready), (.expired, .withdrawing):
            true
        case (.withdrawing, .withdrawn), (.withdrawing, .ready), (.withdrawing, .expired):
            true
        case (.returning, .returned), (.returning, .expired):
            true
        default:
            false
        }
    }

    /// Moves to `next` or throws a sentence that says why not and what to do.
    public func move(to next: DocumentState, reference: String) throws(LockerError) -> DocumentState {
        guard canMove(to: next) else {
            throw .illegalTransition(reference: reference, from: self, to: next)
        }
        return next
    }
}

/// A compartment's state, derived from its blocked flag and the document that holds it.
public enum CompartmentState: String, Codable, Sendable, CaseIterable {
    case free, reserved, occupied, blocked

    public static func derive(blocked: Bool, holder: DocumentState?) -> CompartmentState {
        if blocked { return .blocked }
        switch holder {
        case nil: return .free
        case .reserved?, .loading?: return .reserved
        case let s?: return s.holdsCompartment ? .occupied : .free
        }
    }
}

/// What the door sensor last said.
public enum DoorState: String, CaseIterable, Codable, Sendable {
    case open, closed, unknown
}
