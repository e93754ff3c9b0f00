/// Which compartment a new document goes into.
public enum CompartmentAssignment {
    /// A compartment the assignment may consider: its description and whether it can be used now.
    public struct Candidate: Sendable {
        public var description: CompartmentDescription
        public var state: CompartmentState
        public var door: DoorState
        public init(description: CompartmentDescription, state: CompartmentState, door: DoorState) {
            self.description = description
            self.state = state
            self.door = door
        }
    }

    /// Picks a free compartment with a closed door, at least as large as asked.
    ///
    /// - With `accessible`: only wheelchair-reachable compartments, the lowest first (row 1 is at
    ///   the floor), then the smallest that fits.
    /// - Without: the smallest that fits, and compartments that are not wheelchair-reachable first,
    ///   so the reachable ones stay free for those who need them.
    public static func choose(size: SizeClass, accessible: Bool, from candidates: [Candidate]) -> CompartmentDescription? {
        let usable = candidates.filter {
            $0.state == .free && $0.door == .closed && $0.description.size >= size
                && (!accessible || $0.description.wheelchairAccessible)
        }.map(\.description)
        return usable.min { a, b in
            if accessible {
                if a.row != b.row { return a.row < b.row }
                if a.size != b.size { return a.size < b.size }
            } else {
                if a.size != b.size { return a.size < b.size }
                if a.wheelchairAccessible != b.wheelchairAccessible { return !a.wheelchairAccessible }
            }
            return a.id < b.id
        }
    }
}
