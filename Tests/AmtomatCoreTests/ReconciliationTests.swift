import AmtomatCore
import Testing

@Suite("Reconciliation at start")
struct ReconciliationTests {
    /// The table of docs/architecture.md, written out by hand for every in-between state.
    static let table: [String: ReconcileAction] = [
        "loading/closed/opened": .finish(.ready), "loading/closed/never": .goBack(.reserved),
        "collecting/closed/opened": .finish(.collected), "collecting/closed/never": .goBack(.ready),
        "withdrawing/closed/opened": .finish(.withdrawn), "withdrawing/closed/never": .goBack(.ready),
        "returning/closed/opened": .finish(.returned), "returning/closed/never": .goBack(.expired),
    ]

    static let combinations: [(DocumentState, DoorState, Bool)] =
        DocumentState.allCases.flatMap { s in DoorState.allCases.flatMap { d in [(s, d, false), (s, d, true)] } }

    @Test("every (state, door, door seen open) combination has exactly the documented action")
    func exhaustive() {
        #expect(Self.combinations.count == DocumentState.allCases.count * 3 * 2)
        for (state, door, opened) in Self.combinations {
            let expected: ReconcileAction
            if !state.awaitsDoor {
                expected = .keep  // not waiting for a door: nothing to decide
            } else if door == .open {
                expected = opened ? .keep : .recordDoorOpened
            } else if door == .unknown {
                expected = .keep  // an unreadable door decides nothing; its close event will
            } else {
                expected = Self.table["\(state.rawValue)/closed/\(opened ? "opened" : "never")"]!
            }
            #expect(ReconcileAction.decide(state: state, door: door, doorOpened: opened) == expected, "\(state), \(door), \(opened)")
        }
    }

    @Test("every action leads along an allowed transition, and only a seen door lets a document leave")
    func actionsAreLegal() {
        for (state, door, opened) in Self.combinations {
            switch ReconcileAction.decide(state: state, door: door, doorOpened: opened) {
            case .finish(let next):
                #expect(state.canMove(to: next) && door == .closed && opened)
            case .goBack(let previous):
                #expect(state.canMove(to: previous) && previous.holdsCompartment, "a document whose door never opened is still inside")
            case .keep, .recordDoorOpened:
                break
            }
        }
        #expect(DocumentState.allCases.filter(\.awaitsDoor) == [.loading, .collecting, .withdrawing, .returning])
    }

    @Test("a code issued but never delivered, or never issued, needs a reissue")
    func codeDelivery() {
        #expect(CodeDelivery.needsReissue(state: .ready, codeIssued: true, codeDelivered: false))
        #expect(CodeDelivery.needsReissue(state: .ready, codeIssued: false, codeDelivered: false))
        #expect(!CodeDelivery.needsReissue(state: .ready, codeIssued: true, codeDelivered: true))
        #expect(!CodeDelivery.needsReissue(state: .loading, codeIssued: false, codeDelivered: false))
        #expect(!CodeDelivery.needsReissue(state: .collected, codeIssued: false, codeDelivered: true))
    }

    @Test("audit actions keep the words already stored in databases")
    func auditWords() {
        #expect(AuditAction.openForLoading.rawValue == "open-for-loading")
        #expect(AuditAction.secondFactorWrong.rawValue == "second-factor-wrong")
        #expect(AuditAction.doorLeftOpenAlarm.rawValue == "door-left-open-alarm")
        #expect(Set(AuditAction.allCases.map(\.rawValue)).count == AuditAction.allCases.count)
    }
}
