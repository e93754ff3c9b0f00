import AmtomatCore
@testable import AmtomatHardware
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The kernel's gpio-sim driven through configfs and sysfs: real gpiochips for GPIODBackend.
/// Available inside the HIL VM (hardware/hil/run), not on a normal build machine.
final class GPIOSim: Sendable {
    static let configfs = "/sys/kernel/config/gpio-sim"
    static var available: Bool { getuid() == 0 && access(configfs, W_OK) == 0 }
    private static let counter = Atomic<Int>(0)

    struct Bank: Sendable {
        var label: String
        var lines: Int
        var names: [Int: String]
    }

    let dir: String
    let banks: [Bank]
    /// sysfs folder of each bank's chip, e.g. /sys/devices/platform/gpio-sim.0/gpiochip1
    let sysfs: [String]
    let chipNames: [String]
    private let removed = Atomic<Bool>(false)

    init(banks: [Bank]) throws {
        let n = Self.counter.add(1, ordering: .relaxed).newValue
        dir = "\(Self.configfs)/amtomat-test-\(getpid())-\(n)"
        self.banks = banks
        try Self.mkdir(dir)
        for (i, bank) in banks.enumerated() {
            let b = "\(dir)/bank\(i)"
            try Self.mkdir(b)
            try Self.write("\(b)/num_lines", "\(bank.lines)")
            try Self.write("\(b)/label", bank.label)
            for (offset, name) in bank.names {
                try Self.mkdir("\(b)/line\(offset)")
                try Self.write("\(b)/line\(offset)/name", name)
            }
        }
        try Self.write("\(dir)/live", "1")
        let dev = try Self.read("\(dir)/dev_name")
        var paths: [String] = [], names: [String] = []
        for i in banks.indices {
            let chip = try Self.read("\(dir)/bank\(i)/chip_name")
            names.append(chip)
            paths.append("/sys/devices/platform/\(dev)/\(chip)")
        }
        sysfs = paths
        chipNames = names
    }

    /// Takes the chip away, as if the I²C expander died.
    func remove() {
        guard !removed.exchange(true, ordering: .relaxed) else { return }
        try? Self.write("\(dir)/live", "0")
        for (i, bank) in banks.enumerated() {
            for offset in bank.names.keys { rmdir("\(dir)/bank\(i)/line\(offset)") }
            rmdir("\(dir)/bank\(i)")
        }
        rmdir(dir)
    }

    deinit { remove() }

    func setPull(bank: Int, offset: Int, up: Bool) throws {
        try Self.write("\(sysfs[bank])/sim_gpio\(offset)/pull", up ? "pull-up" : "pull-down")
    }
    func pull(bank: Int, offset: Int) throws -> String { try Self.read("\(sysfs[bank])/sim_gpio\(offset)/pull") }
    /// The physical level of a line (what an output drives, or what an input sees).
    func value(bank: Int, offset: Int) throws -> Int {
        Int(try Self.read("\(sysfs[bank])/sim_gpio\(offset)/value")) ?? -1
    }

    static func mkdir(_ path: String) throws {
        if Glibc.mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw HardwareError.backend("mkdir \(path): \(String(cString: strerror(errno)))")
        }
    }
    static func write(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw HardwareError.backend("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw HardwareError.backend("write \(path): \(String(cString: strerror(errno)))")
        }
    }
    static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw HardwareError.backend("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = Glibc.read(fd, &buf, buf.count)
        guard n >= 0 else { throw HardwareError.backend("read \(path): \(String(cString: strerror(errno)))") }
        return String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// GPIODBackend on two gpio-sim banks, with a door that springs open when its lock's coil is on.
///
/// Wiring as in hardware/WIRING.md: lock outputs active-high; door inputs active-low with the reed
/// contact to ground, so a closed door reads physically 0 (pull-down here) and an open door 1 (pull-up).
final class GPIOSimRig: BackendRig, @unchecked Sendable {
    let sim: GPIOSim
    let description: LockerDescription
    let gpiod: GPIODBackend
    var backend: any LockerBackend { gpiod }
    private struct Mech { var open: [CompartmentID: Bool] = [:]; var jammed: Set<CompartmentID> = []; var stuck: [CompartmentID: DoorState] = [:] }
    private let mech = Mutex(Mech())
    private var spring: Task<Void, Never>?
    let labels: [String]

    /// Compartments 1…perBank on bank a, the rest on bank b; lock i = line "LOCKi", door i = "DOORi".
    init(perBank: Int = 2, coil: CoilLimits = CoilLimits(defaultPulseMilliseconds: 80, minimumOffMilliseconds: 50,
                                                         gapBetweenPulsesMilliseconds: 10, maxEnergisedAtOnce: 1),
         debounceMilliseconds: Int = 10, doorBias: LineBias = .asIs, logger: Logger = testLogger()) throws {
        let tag = "\(getpid() % 10000)-\(Int.random(in: 0..<100000))"
        labels = ["amt-\(tag)-a", "amt-\(tag)-b"]
        var banks: [GPIOSim.Bank] = []
        var compartments: [CompartmentDescription] = []
        for b in 0..<2 {
            var names: [Int: String] = [:]
            for k in 0..<perBank {
                let id = b * perBank + k + 1
                names[2 * k] = "LOCK\(id)"
                names[2 * k + 1] = "DOOR\(id)"
                compartments.append(CompartmentDescription(
                    id: CompartmentID(id), column: b + 1, row: k + 1, size: .medium, wheelchairAccessible: true,
                    lock: LineAddress(chip: labels[b], line: .name("LOCK\(id)")),
                    doorSensor: LineAddress(chip: labels[b], line: .name("DOOR\(id)"), activeLow: true, bias: doorBias)))
            }
            banks.append(GPIOSim.Bank(label: labels[b], lines: 2 * perBank + 2, names: names))
        }
        sim = try GPIOSim(banks: banks)
        description = LockerDescription(name: "gpio-sim", compartments: compartments, coil: coil)
        gpiod = GPIODBackend(description: description, debounceMilliseconds: debounceMilliseconds, logger: logger,
                             consumer: "amtomat-test")
        for c in compartments { try setDoorLine(c.id, open: false) }
        let perBankCount = perBank
        spring = Task.detached { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                for c in self.description.compartments {
                    let (bank, k) = ((c.id.rawValue - 1) / perBankCount, (c.id.rawValue - 1) % perBankCount)
                    let on = (try? self.sim.value(bank: bank, offset: 2 * k)) == 1
                    let springs = self.mech.withLock { !$0.jammed.contains(c.id) && $0.open[c.id] != true }
                    if on && springs { try? await self.personOpens(c.id) }
                }
                try? await Task.sleep(for: .milliseconds(3))
            }
        }
    }

    func place(_ id: CompartmentID) -> (bank: Int, lock: Int, door: Int) {
        let perBank = description.compartments.count / 2
        let k = (id.rawValue - 1) % perBank
        return ((id.rawValue - 1) / perBank, 2 * k, 2 * k + 1)
    }

    private func setDoorLine(_ id: CompartmentID, open: Bool) throws {
        let p = place(id)
        try sim.setPull(bank: p.bank, offset: p.door, up: open)
    }

    func personOpens(_ id: CompartmentID) async throws {
        let stuck = mech.withLock { m in m.open[id] = true; return m.stuck[id] != nil }
        if !stuck { try setDoorLine(id, open: true) }
    }
    func personCloses(_ id: CompartmentID) async throws {
        let stuck = mech.withLock { m in m.open[id] = false; return m.stuck[id] != nil }
        if !stuck { try setDoorLine(id, open: false) }
    }
    func coilIsOn(_ id: CompartmentID) throws -> Bool {
        let p = place(id)
        return try sim.value(bank: p.bank, offset: p.lock) == 1
    }
    func jam(_ id: CompartmentID, _ jammed: Bool) throws {
        mech.withLock { m in if jammed { m.jammed.insert(id) } else { m.jammed.remove(id) } }
    }
    func stickSensor(_ id: CompartmentID, at state: DoorState?) async throws {
        let open: Bool = mech.withLock { m in m.stuck[id] = state; return m.open[id] == true }
        if let state { try setDoorLine(id, open: state == .open) } else { try setDoorLine(id, open: open) }
    }
    func tearDown() async {
        spring?.cancel()
        await gpiod.shutdown()
        sim.remove()
    }
}
