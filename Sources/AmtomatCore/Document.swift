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
///        │           │          │ ▲ │        │
///        ▼           ▼          │ │ ▼        ▼
///     withdrawn   reserved      │ expired ─► returned
///                               ▼   │
///                           withdrawn ◄┘
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

    /// States in which the document occupies or holds its compartment.
    public var holdsCompartment: Bool {
        switch self {
        case .reserved, .loading, .ready, .collecting, .expired: true
        case .collected, .withdrawn, .returned: false
        }
    }

    public var isFinal: Bool { !holdsCompartment }

    /// The transitions the locker allows. Everything else is refused.
    public func canMove(to next: DocumentState) -> Bool {
        switch (self, next) {
        case (.reserved, .loading), (.reserved, .withdrawn):
            true
        case (.loading, .ready), (.loading, .reserved):
            true
        case (.ready, .collecting), (.ready, .expired), (.ready, .withdrawn), (.ready, .ready):
            true
        case (.collecting, .collected), (.collecting, .ready):
            true
        case (.expired, .returned), (.expired, .ready), (.expired, .withdrawn):
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
public enum DoorState: String, Codable, Sendable {
    case open, closed, unknown
}
