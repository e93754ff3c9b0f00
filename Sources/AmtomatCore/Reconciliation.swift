/// What to do at start with a document caught in an in-between state, given what its door says.
///
/// A pure table: `docs/architecture.md` prints it, and a test runs every combination of
/// (state, door, door seen open) through it.
public enum ReconcileAction: Sendable, Equatable {
    /// Nothing to do: the document is not waiting for a door, or the door decides later (still open,
    /// or unreadable); the door-closed event finishes it as usual.
    case keep
    /// The door stands open but its opening was never recorded: record it now, so closing it finishes.
    case recordDoorOpened
    /// The door was seen open and is closed now: the document reaches `state`.
    case finish(DocumentState)
    /// The door never opened: the document goes back to `state` and keeps its compartment.
    case goBack(DocumentState)

    public static func decide(state: DocumentState, door: DoorState, doorOpened: Bool) -> ReconcileAction {
        guard state.awaitsDoor, let finished = state.afterDoorOpenedAndClosed, let back = state.afterDoorNeverOpened else {
            return .keep
        }
        switch (door, doorOpened) {
        case (.open, false): return .recordDoorOpened
        case (.open, true), (.unknown, _): return .keep
        case (.closed, true): return .finish(finished)
        case (.closed, false): return .goBack(back)
        }
    }
}

/// Whether a clerk ever received a document's pickup code.
public enum CodeDelivery {
    /// A document waiting for its citizen needs a new code when none was issued (loaded before a
    /// restart) or the issued one never reached the clerk's command (the daemon stopped in between).
    public static func needsReissue(state: DocumentState, codeIssued: Bool, codeDelivered: Bool) -> Bool {
        state == .ready && !(codeIssued && codeDelivered)
    }
}
