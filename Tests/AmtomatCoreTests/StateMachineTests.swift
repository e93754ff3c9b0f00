import AmtomatCore
import Testing

@Suite("Document state machine")
struct StateMachineTests {
    /// Every allowed transition, written out once more by hand: the table in the code must match it.
    static let allowed: Set<String> = [
        "reserved>loading", "reserved>withdrawn",
        "loading>ready", "loading>reserved",
        "ready>collecting", "ready>expired", "ready>withdrawing", "ready>ready",
        "collecting>collected", "collecting>ready",
        "expired>returning", "expired>ready", "expired>withdrawing",
        "withdrawing>withdrawn", "withdrawing>ready", "withdrawing>expired",
        "returning>returned", "returning>expired",
    ]

    @Test("exactly the documented transitions are allowed", arguments: DocumentState.allCases)
    func transitions(from: DocumentState) {
        for to in DocumentState.allCases {
            #expect(from.canMove(to: to) == Self.allowed.contains("\(from.rawValue)>\(to.rawValue)"), "\(from) -> \(to)")
        }
    }

    @Test("an illegal transition is refused with a sentence naming the document and what to do")
    func illegalTransitionMessage() {
        #expect(throws: LockerError.illegalTransition(reference: "P-1", from: .collected, to: .ready)) {
            try DocumentState.collected.move(to: .ready, reference: "P-1")
        }
        let text = LockerError.illegalTransition(reference: "P-1", from: .collected, to: .ready).description
        #expect(text.contains("P-1") && text.contains("collected") && text.contains("amtomat show P-1"))
    }

    @Test("final states hold no compartment and go nowhere")
    func finalStates() {
        for state in [DocumentState.collected, .withdrawn, .returned] {
            #expect(state.isFinal)
            #expect(DocumentState.allCases.allSatisfy { !state.canMove(to: $0) })
        }
        for state in [DocumentState.reserved, .loading, .ready, .collecting, .expired, .withdrawing, .returning] {
            #expect(state.holdsCompartment)
        }
    }

    @Test("a document leaves the books only through an in-between state that waits for its door")
    func leavingNeedsTheDoor() {
        for from in DocumentState.allCases where from.holdsCompartment {
            for to in DocumentState.allCases where to.isFinal && from.canMove(to: to) {
                #expect(from.awaitsDoor || (from == .reserved && to == .withdrawn),
                        "\(from) -> \(to) would let a document leave without its door opening")
            }
        }
    }

    @Test("a compartment's state follows from its block flag and its document")
    func compartmentState() {
        #expect(CompartmentState.derive(blocked: false, holder: nil) == .free)
        #expect(CompartmentState.derive(blocked: false, holder: .reserved) == .reserved)
        #expect(CompartmentState.derive(blocked: false, holder: .loading) == .reserved)
        #expect(CompartmentState.derive(blocked: false, holder: .ready) == .occupied)
        #expect(CompartmentState.derive(blocked: false, holder: .expired) == .occupied)
        #expect(CompartmentState.derive(blocked: false, holder: .withdrawing) == .occupied)
        #expect(CompartmentState.derive(blocked: false, holder: .returning) == .occupied)
        #expect(CompartmentState.derive(blocked: false, holder: .collected) == .free)
        #expect(CompartmentState.derive(blocked: true, holder: .ready) == .blocked)
        #expect(CompartmentState.derive(blocked: true, holder: nil) == .blocked)
    }
}

@Suite("Compartment assignment")
struct AssignmentTests {
    func candidate(_ id: Int, row: Int, size: SizeClass, accessible: Bool, state: CompartmentState = .free,
                   door: DoorState = .closed) -> CompartmentAssignment.Candidate {
        .init(description: CompartmentDescription(id: CompartmentID(id), column: 1, row: row, size: size,
                                                  wheelchairAccessible: accessible),
              state: state, door: door)
    }

    @Test("the smallest fitting compartment, keeping wheelchair-reachable ones for those who need them")
    func smallestNonAccessibleFirst() {
        let all = [
            candidate(1, row: 1, size: .small, accessible: true),
            candidate(2, row: 3, size: .small, accessible: false),
            candidate(3, row: 3, size: .medium, accessible: false),
        ]
        #expect(CompartmentAssignment.choose(size: .small, accessible: false, from: all)?.id == CompartmentID(2))
        #expect(CompartmentAssignment.choose(size: .medium, accessible: false, from: all)?.id == CompartmentID(3))
        #expect(CompartmentAssignment.choose(size: .large, accessible: false, from: all) == nil)
    }

    @Test("with --accessible the lowest reachable compartment that fits")
    func accessibleLowest() {
        let all = [
            candidate(1, row: 2, size: .small, accessible: true),
            candidate(2, row: 1, size: .large, accessible: true),
            candidate(3, row: 1, size: .small, accessible: false),
        ]
        #expect(CompartmentAssignment.choose(size: .small, accessible: true, from: all)?.id == CompartmentID(2))
        #expect(CompartmentAssignment.choose(size: .large, accessible: true, from: all)?.id == CompartmentID(2))
    }

    @Test("occupied, blocked, open-door or unknown-door compartments are never chosen")
    func onlyFreeAndClosed() {
        let all = [
            candidate(1, row: 1, size: .small, accessible: false, state: .occupied),
            candidate(2, row: 1, size: .small, accessible: false, state: .blocked),
            candidate(3, row: 1, size: .small, accessible: false, door: .open),
            candidate(4, row: 1, size: .small, accessible: false, door: .unknown),
            candidate(5, row: 1, size: .small, accessible: false, state: .reserved),
        ]
        #expect(CompartmentAssignment.choose(size: .small, accessible: false, from: all) == nil)
    }
}
