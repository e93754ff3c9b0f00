import AmtomatCore
import TOMLKit

/// What the cross-checks need to know about one `[[compartment]]` besides its description.
private struct ReadCompartment {
    var index: Int
    var name: String
    var id: Int?
    var column: Int?
    var row: Int?
    var lock: LineAddress?
    var door: LineAddress?
    var hasLockKey: Bool
    var hasDoorKey: Bool
    var place: SourceLocator.Table { .element("compartment", index: index, inner: []) }
}

extension DocumentReader {
    /// Reads every `[[compartment]]`, then checks them against each other: unique ids, unique
    /// positions, each GPIO line used once, and lines present where the backend needs them.
    func readCompartments(backend: DaemonSettings.Backend, coil: CoilLimits) -> [CompartmentDescription] {
        let noneFix = "Add at least one [[compartment]] table with id, column, row and size."
        guard let raw = top.value("compartment") else {
            log.report("the locker has no compartments", fix: noneFix)
            return []
        }
        guard let array = raw.array, array.allSatisfy({ $0.type == .table }) else {
            top.report("compartment must be a list of tables, each written as [[compartment]]",
                       fix: "Start each compartment with [[compartment]] (two brackets) on a line of its own.",
                       at: "compartment")
            return []
        }
        if array.isEmpty {
            top.report("the locker has no compartments", fix: noneFix, at: "compartment")
            return []
        }

        var descriptions: [CompartmentDescription] = []
        var read: [ReadCompartment] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else { continue }
            let (description, info) = readCompartment(table, index: index)
            if let description { descriptions.append(description) }
            read.append(info)
        }
        checkUniqueIDs(read)
        checkUniquePositions(read)
        checkUniqueLines(read)
        if backend == .gpiod { checkLinesPresent(read) }
        return descriptions
    }

    private func readCompartment(_ table: TOMLTable, index: Int) -> (CompartmentDescription?, ReadCompartment) {
        let place = SourceLocator.Table.element("compartment", index: index, inner: [])
        // Until its id is known, a compartment is named by its place in the file.
        let reader = TableReader(table, place: place, name: "[[compartment]] number \(index + 1)", log: log)
        let id = reader.int("id", in: 1...Int.max, example: index + 1)
        if let id { reader.name = "compartment \(id)" }
        if !reader.has("id") {
            reader.report("\(reader.name) has no id", fix: "Add id = \(index + 1) (a positive whole number, the one printed on its door).")
        }
        let label = reader.string("label", example: id.map(String.init) ?? "A1")
        let column = reader.int("column", in: 1...Int.max, example: 1)
        let row = reader.int("row", in: 1...Int.max, example: 1)
        let size = reader.choice("size", of: SizeClass.allCases, example: .medium)
        let wheelchair = reader.bool("wheelchair") ?? false
        let pulse = reader.int("pulse_ms", in: 1...CoilLimits.hardCeilingMilliseconds, example: 300, rangeFix: Self.pulseFix)
        let lock = readLine("lock", of: reader, index: index)
        let door = readLine("door", of: reader, index: index)
        for (key, fix) in [
            ("column", "Add column = 1 (columns are numbered from 1)."),
            ("row", "Add row = 1 (row 1 is the one nearest the floor)."),
            ("size", "Add size = \"S\", \"M\" or \"L\"."),
        ] where !reader.has(key) {
            reader.report("\(reader.name) has no \(key)", fix: fix)
        }
        reader.finishReading()

        let info = ReadCompartment(index: index, name: reader.name, id: id, column: column, row: row,
                                   lock: lock, door: door, hasLockKey: reader.has("lock"), hasDoorKey: reader.has("door"))
        guard let id, let column, let row, let size else { return (nil, info) }
        let description = CompartmentDescription(
            id: CompartmentID(id), label: label, column: column, row: row, size: size,
            wheelchairAccessible: wheelchair, lock: lock, doorSensor: door, pulseMilliseconds: pulse)
        return (description, info)
    }

    /// `lock = { chip = "gpiochip0", line = 17 }` or `door = { …, active_low = true, bias = "pull-up" }`.
    private func readLine(_ key: String, of compartment: TableReader, index: Int) -> LineAddress? {
        let example = "\(key) = { chip = \"gpiochip0\", line = 17 }"
        guard let table = compartment.table(key, writtenAs: "an inline table, for example \(example)") else { return nil }
        let reader = TableReader(table, place: .element("compartment", index: index, inner: [key]),
                                 name: "the \(key) of \(compartment.name)", log: log)
        let chip = reader.string("chip", example: "gpiochip0")
        if !reader.has("chip") {
            reader.report("\(reader.name) has no chip",
                          fix: "Add chip = \"gpiochip0\": the chip's label, its name or its /dev/gpiochipN path.")
        }
        let line = readLineNumber(reader)
        let activeLow = reader.bool("active_low") ?? false
        let bias = reader.choice("bias", of: LineBias.allCases) ?? .asIs
        reader.finishReading()
        guard let chip, let line else { return nil }
        return LineAddress(chip: chip, line: line, activeLow: activeLow, bias: bias)
    }

    /// A line by offset (17) or by name ("GPIO17").
    private func readLineNumber(_ reader: TableReader) -> LineAddress.Line? {
        guard let raw = reader.value("line") else {
            reader.report("\(reader.name) has no line",
                          fix: "Add line = 17 (the offset on the chip) or line = \"GPIO17\" (the line's name).")
            return nil
        }
        if let offset = raw.int {
            guard offset >= 0 else {
                reader.report("in \(reader.name), line must be 0 or more, not \(offset)",
                              fix: "Line offsets count from 0; see gpioinfo for the chip's lines.", at: "line")
                return nil
            }
            return .offset(offset)
        }
        if let name = raw.string, !name.isEmpty { return .name(name) }
        return reader.typeMismatch("line", raw, expected: "a line offset such as 17 or a line name such as \"GPIO17\"",
                                   fix: "Write line = 17 or line = \"GPIO17\"; gpioinfo lists both.")
    }

    // MARK: Checks across compartments

    private func line(of key: String, in compartment: ReadCompartment) -> String {
        log.locator.locate(key, in: compartment.place).map { " (line \($0.line))" } ?? ""
    }

    private func checkUniqueIDs(_ read: [ReadCompartment]) {
        var first: [Int: ReadCompartment] = [:]
        let free = (read.compactMap(\.id).max() ?? 0) + 1
        for compartment in read {
            guard let id = compartment.id else { continue }
            if let earlier = first[id] {
                let first = log.locator.locate("id", in: earlier.place).map { "on line \($0.line)" } ?? "earlier in the file"
                log.report("compartment id \(id) is used twice; the first compartment \(id) is \(first)",
                           fix: "Give each compartment its own id, for example \(free).", at: "id", in: compartment.place)
            } else {
                first[id] = compartment
            }
        }
    }

    private func checkUniquePositions(_ read: [ReadCompartment]) {
        struct Spot: Hashable { var column: Int, row: Int }
        var taken: [Spot: ReadCompartment] = [:]
        for compartment in read {
            guard let column = compartment.column, let row = compartment.row else { continue }
            let spot = Spot(column: column, row: row)
            if let earlier = taken[spot] {
                log.report("\(compartment.name) is at column \(column), row \(row), where \(earlier.name) already is\(line(of: "column", in: earlier))",
                           fix: "Give each compartment its own column and row.", at: "column", in: compartment.place)
            } else {
                taken[spot] = compartment
            }
        }
    }

    /// Two addresses with the same chip and line are one wire, whatever their polarity or bias.
    private func checkUniqueLines(_ read: [ReadCompartment]) {
        var users: [String: (compartment: ReadCompartment, role: String)] = [:]
        for compartment in read {
            for (role, address) in [("lock", compartment.lock), ("door", compartment.door)] {
                guard let address else { continue }
                guard let earlier = users[address.physicalKey] else {
                    users[address.physicalKey] = (compartment, role)
                    continue
                }
                if earlier.compartment.index == compartment.index {
                    log.report("the lock and the door of \(compartment.name) are both on \(address)",
                               fix: "A line is either a lock output or a door input; move the door to a line of its own.",
                               at: role, in: compartment.place)
                } else {
                    log.report("\(address) is used by the \(role) of \(compartment.name) and already by the \(earlier.role) of \(earlier.compartment.name)\(line(of: earlier.role, in: earlier.compartment))",
                               fix: "Each GPIO line can serve only one lock or door; correct the chip or line of one of them.",
                               at: role, in: compartment.place)
                }
            }
        }
    }

    /// The gpiod backend drives real hardware: a compartment without a lock could never open,
    /// one without a door sensor could never be known to be closed.
    private func checkLinesPresent(_ read: [ReadCompartment]) {
        for compartment in read {
            if !compartment.hasLockKey {
                log.report("\(compartment.name) has no lock line, which backend \"gpiod\" needs",
                           fix: "Add lock = { chip = \"…\", line = … } to it, or set backend = \"simulated\" in [daemon].",
                           at: nil, in: compartment.place)
            }
            if !compartment.hasDoorKey {
                log.report("\(compartment.name) has no door sensor line, which backend \"gpiod\" needs",
                           fix: "Add door = { chip = \"…\", line = … } to it, or set backend = \"simulated\" in [daemon].",
                           at: nil, in: compartment.place)
            }
        }
    }
}
