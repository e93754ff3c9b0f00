import AmtomatCore
import CGPIOD
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Lock coils and door sensors on real GPIO lines through libgpiod (API v1 or v2, whichever
/// CGPIOD was compiled against).
///
/// - Lock outputs are requested with their inactive value in the same request (no twitch on start).
///   Logical 1 = coil energised; `activeLow` handles inverting drivers.
/// - Door inputs: logical 1 (active) = the reed contact is made = the door is **closed**. With the
///   usual wiring (reed contact to ground, pull-up) configure `active_low = true`: a closed door pulls
///   the line low, an open door (or a broken wire) reads high, i.e. "open" — the safe side.
/// - Edge events are read on a dedicated thread blocking in `poll()` on the event fds and an eventfd
///   for cancellation, never on Swift's cooperative pool. Events are hints: a change is confirmed by
///   reading the level (API v1: after the debounce time, in software; API v2: the kernel debounces).
/// - A chip that disappears (POLLERR/POLLHUP, ENODEV, or its device node gone) becomes a `.fault`
///   naming the chip and the compartments on it; the other chips keep working.
/// - Pulse timer: `setCoil(_, true)` also arms a deadline on the event thread — the compartment's
///   pulse (`CoilLimits.pulse(for:)`, capped by the hard ceiling). The thread wakes from `poll()` on a
///   kernel timer and switches the coil off at that moment, whatever the Swift tasks are doing (the
///   cooperative pool has one thread per core and can be starved). `CoilScheduler` still switches the
///   coil off itself; that call then only confirms. A scheduler more than 100 ms late is logged.
public final class GPIODBackend: LockerBackend, LineProblemReporting {

    public typealias LineStatus = AmtomatHardware.LineStatus

    public let name: String
    public let events: AsyncStream<HardwareEvent>
    private let continuation: AsyncStream<HardwareEvent>.Continuation
    private let description: LockerDescription
    private let debounceMilliseconds: Int
    private let consumer: String
    private let logger: Logger
    public static var apiVersion: Int { Int(amt_gpiod_api()) }
    public static var libraryVersion: String { String(cString: amt_gpiod_version()) }

    /// Everything that changes, behind one `Mutex` (libgpiod objects are not thread-safe): the
    /// daemon's tasks and the event thread only ever touch it inside `state.withLock`.
    private struct Lines {
        var chips: [String: Chip] = [:]          // by configured chip spec
        var locks: [CompartmentID: Line] = [:]
        var doors: [CompartmentID: Line] = [:]
        var problems: [CompartmentID: LineProblem] = [:]
        var reported: [CompartmentID: DoorState] = [:]
        var wakeFD: Int32 = -1
        var cancelled = false
        /// The pulse timer: when each energised coil must be off.
        var coilDeadlines: [CompartmentID: ContinuousClock.Instant] = [:]
        /// Coils the pulse timer switched off, and when (to notice a late scheduler).
        var endedByTimer: [CompartmentID: ContinuousClock.Instant] = [:]
        var thread: Thread?
        var threadDone: CheckedContinuation<Void, Never>?
        var threadFinished = false
        var started = false
        /// The latest liveness tick asked for; the event thread answers it on its next round.
        var tickRequested: UInt64?
    }
    private let state = Mutex(Lines())

    private final class Chip {
        let spec: String
        let handle: OpaquePointer
        let path: String
        let label: String
        let rdev: UInt
        var alive = true
        init(spec: String, handle: OpaquePointer) {
            self.spec = spec
            self.handle = handle
            path = String(cString: amt_chip_path(handle))
            label = String(cString: amt_chip_label(handle))
            var st = stat()
            rdev = stat(path, &st) == 0 ? UInt(st.st_rdev) : 0
        }
        var display: String { "'\(spec)' (\(path), label \(label))" }
    }

    private struct Line {
        let compartment: CompartmentID
        let address: LineAddress
        let chip: Chip
        let handle: OpaquePointer
        let offset: UInt32
        var fd: Int32 = -1
    }

    /// - Parameters:
    ///   - debounceMilliseconds: how long a door level must be stable before it counts.
    ///   - consumer: the name other tools (`gpioinfo`) show as the lines' owner.
    public init(description: LockerDescription, debounceMilliseconds: Int = 30, logger: Logger,
                consumer: String = "amtomatd") {
        self.description = description
        self.debounceMilliseconds = max(0, debounceMilliseconds)
        self.logger = logger
        self.consumer = consumer
        name = "libgpiod \(Self.libraryVersion) (API v\(Self.apiVersion))"
        (events, continuation) = AsyncStream.makeStream(of: HardwareEvent.self, bufferingPolicy: .bufferingNewest(4096))
    }

    deinit {
        state.withLock { releaseEverythingLocked(&$0) }
    }

    // MARK: - LockerBackend

    public func start() async throws -> [CompartmentID: DoorState] {
        try startSync()
    }

    private func startSync() throws -> [CompartmentID: DoorState] {
        try state.withLock { s in
            guard !s.started else { return currentDoorsLocked(s) }
            var failures: [String] = []
            var claimed = 0
            for compartment in description.compartments {
                for (role, address) in [("lock", compartment.lock), ("door", compartment.doorSensor)] {
                    guard let address else { continue }
                    do throws(ClaimError) {
                        let line = try claimLocked(address, compartment: compartment.id, output: role == "lock", &s)
                        if role == "lock" { s.locks[compartment.id] = line } else { s.doors[compartment.id] = line }
                        claimed += 1
                    } catch {
                        let message = "compartment \(compartment.id) \(role): \(error.message)"
                        failures.append(message)
                        if s.problems[compartment.id] == nil { s.problems[compartment.id] = error.problem(message) }
                    }
                }
            }
            if claimed == 0 && !failures.isEmpty {
                releaseEverythingLocked(&s)
                throw HardwareError.backend("No GPIO line could be claimed: " + failures.joined(separator: "; "))
            }
            s.wakeFD = amt_wakeup_new()
            guard s.wakeFD >= 0 else {
                let e = errno
                releaseEverythingLocked(&s)
                throw HardwareError.backend("Cannot create the wake-up eventfd: \(Self.strerror(e))")
            }
            s.started = true
            var doorsNow: [CompartmentID: DoorState] = [:]
            for compartment in description.compartments {
                doorsNow[compartment.id] = readDoorLocked(compartment.id, s)
            }
            s.reported = doorsNow
            // Faults of lines that could not be claimed: the daemon stays up, those compartments are untrusted.
            var byMessage: [String: [CompartmentID]] = [:]
            for (id, problem) in s.problems {
                switch problem { case .missing(let m), .busy(let m): byMessage[m, default: []].append(id) }
            }
            for (message, ids) in byMessage.sorted(by: { $0.key < $1.key }) {
                logger.error("GPIO line unusable", metadata: ["problem": "\(message)"])
                continuation.yield(.fault(compartments: ids.sorted(), message: message))
            }
            let thread = Thread { [self] in self.eventLoop() }
            thread.name = "amtomat-gpiod-events"
            s.thread = thread
            thread.start()
            logger.info("libgpiod backend started", metadata: [
                "library": "\(name)", "locks": "\(s.locks.count)", "doors": "\(s.doors.count)", "problems": "\(failures.count)",
            ])
            return doorsNow
        }
    }

    public func setCoil(_ compartment: CompartmentID, energised: Bool) throws {
        try state.withLock { s in try setCoilLocked(compartment, energised: energised, &s) }
    }

    private func setCoilLocked(_ compartment: CompartmentID, energised: Bool, _ s: inout Lines) throws {
        guard let line = s.locks[compartment] else {
            if let problem = s.problems[compartment] {
                switch problem { case .missing(let m), .busy(let m): throw HardwareError.backend(m) }
            }
            throw HardwareError.unknownCompartment(compartment)
        }
        guard line.chip.alive else {
            throw HardwareError.backend("Compartment \(compartment): chip \(line.chip.display) is gone; cannot drive lock line \(line.address.description).")
        }
        if amt_line_set(line.handle, energised ? 1 : 0) != 0 {
            let e = errno
            throw HardwareError.backend("Compartment \(compartment): cannot set lock line \(lineName(line)) on chip \(line.chip.display): \(Self.strerror(e))")
        }
        if energised {
            let pulse = description.compartment(compartment).map { description.coil.pulse(for: $0) }
                ?? CoilLimits.hardCeilingMilliseconds
            s.coilDeadlines[compartment] = ContinuousClock().now.advanced(by: .milliseconds(pulse))
            s.endedByTimer[compartment] = nil
            if s.wakeFD >= 0 { _ = amt_wakeup_signal(s.wakeFD) }   // the event thread re-computes its timeout
        } else {
            s.coilDeadlines[compartment] = nil
            if let ended = s.endedByTimer.removeValue(forKey: compartment) {
                let late = ContinuousClock().now - ended
                if late > .milliseconds(100) {
                    logger.warning("The coil scheduler switched a coil off late; the backend's pulse timer had already done it", metadata: [
                        "compartment": "\(compartment)", "lateMs": "\(late.components.seconds * 1000 + late.components.attoseconds / 1_000_000_000_000_000)",
                    ])
                }
            }
        }
    }

    public func readDoor(_ compartment: CompartmentID) throws -> DoorState {
        try state.withLock { s in try readDoorChecked(compartment, s) }
    }

    private func readDoorChecked(_ compartment: CompartmentID, _ s: Lines) throws -> DoorState {
        guard let line = s.doors[compartment] else {
            if description.compartment(compartment) == nil { throw HardwareError.unknownCompartment(compartment) }
            return .unknown
        }
        guard line.chip.alive else { return .unknown }
        let v = amt_line_get(line.handle)
        if v < 0 {
            let e = errno
            throw HardwareError.backend("Compartment \(compartment): cannot read door line \(lineName(line)) on chip \(line.chip.display): \(Self.strerror(e))")
        }
        return v == 1 ? .closed : .open
    }

    public func releaseAllCoils() {
        state.withLock { releaseAllCoilsLocked(&$0) }
    }

    public func shutdown() async {
        let running = state.withLock { s in
            let running = s.thread != nil && !s.threadFinished
            if running { s.cancelled = true; _ = amt_wakeup_signal(s.wakeFD) }
            return running
        }
        if running {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let finished = state.withLock { s in
                    if !s.threadFinished { s.threadDone = c }
                    return s.threadFinished
                }
                if finished { c.resume() }
            }
        }
        state.withLock { releaseEverythingLocked(&$0) }
        continuation.finish()
    }

    // MARK: - Extra information

    /// Why a compartment's lines are unusable, if they are.
    public func lineProblem(_ compartment: CompartmentID) -> LineProblem? {
        state.withLock { $0.problems[compartment] }
    }

    /// Every configured line with its device, offset and current logical value.
    public func lineStatus() -> [LineStatus] {
        state.withLock { s in lineStatusLocked(s) }
    }

    private func lineStatusLocked(_ s: Lines) -> [LineStatus] {
        var result: [LineStatus] = []
        for c in description.compartments {
            for (role, address, line) in [("lock", c.lock, s.locks[c.id]), ("door", c.doorSensor, s.doors[c.id])] {
                guard let address else { continue }
                let lineText: String = switch address.line { case .name(let n): n; case .offset(let o): String(o) }
                var status = LineStatus(compartment: c.id, role: role, chip: address.chip, device: line?.chip.path,
                                        line: lineText, offset: line.map { Int($0.offset) }, value: nil, problem: nil)
                if let line, line.chip.alive {
                    let v = amt_line_get(line.handle)
                    status.value = v < 0 ? nil : Int(v)
                } else if let line {
                    status.problem = "chip \(line.chip.display) is gone"
                } else if let p = s.problems[c.id] {
                    switch p { case .missing(let m), .busy(let m): status.problem = m }
                }
                result.append(status)
            }
        }
        return result
    }

    // MARK: - Probe (no line is requested, nothing moves)

    /// Checks that every configured chip and line exists and is free, without requesting anything.
    /// Returns one sentence per problem; empty means everything is there.
    public static func probe(_ description: LockerDescription) -> [String] {
        var problems: [String] = []
        var opened: [String: OpaquePointer] = [:]
        var failedChips: Set<String> = []
        var seen: [String: String] = [:]   // "device/offset" -> who uses it
        defer { for (_, c) in opened { amt_chip_close(c) } }
        for compartment in description.compartments {
            for (role, address) in [("lock", compartment.lock), ("door sensor", compartment.doorSensor)] {
                guard let address else { continue }
                let who = "compartment \(compartment.id) \(role)"
                if failedChips.contains(address.chip) { continue }
                var chip = opened[address.chip]
                if chip == nil {
                    if let c = amt_chip_open(address.chip) {
                        opened[address.chip] = c
                        chip = c
                    } else {
                        let e = errno
                        failedChips.insert(address.chip)
                        problems.append(chipOpenProblem(address.chip, errno: e))
                        continue
                    }
                }
                guard let chip else { continue }
                let label = String(cString: amt_chip_label(chip))
                let shown: String = switch address.line { case .name(let n): n; case .offset(let o): "\(o)" }
                var offset: Int32
                switch address.line {
                case .name(let n):
                    offset = amt_chip_find_line(chip, n)
                    if offset < 0 {
                        problems.append("line '\(n)' (\(who)) not found on chip \(label) (\(String(cString: amt_chip_path(chip)))); check the line name in the locker description against `gpioinfo \(label)`")
                        continue
                    }
                case .offset(let o):
                    let count = Int(amt_chip_num_lines(chip))
                    guard o >= 0, o < count else {
                        problems.append("line \(o) (\(who)) does not exist on chip \(label), which has \(count) lines (0…\(count - 1))")
                        continue
                    }
                    offset = Int32(o)
                }
                let key = "\(String(cString: amt_chip_path(chip)))/\(offset)"
                if let other = seen[key] {
                    problems.append("line \(shown) on \(label) is configured twice: for \(other) and for \(who)")
                    continue
                }
                seen[key] = who
                var used: Int32 = 0, output: Int32 = 0
                var consumerBuf = [CChar](repeating: 0, count: 64)
                var nameBuf = [CChar](repeating: 0, count: 64)
                if amt_chip_line_info(chip, UInt32(offset), &used, &output, &nameBuf, nameBuf.count, &consumerBuf, consumerBuf.count) != 0 {
                    problems.append("line \(shown) on \(label) (\(who)) cannot be inspected: \(strerror(errno))")
                    continue
                }
                if used != 0 {
                    let consumer = cString(consumerBuf)
                    let owner = consumer.isEmpty ? "the kernel or another process" : "'\(consumer)'"
                    var hint = "free it"
                    if consumer == "sysfs" { hint = "free it (echo \(offset) > /sys/class/gpio/unexport, or remove the export from boot scripts)" }
                    else if consumer.hasPrefix("amtomat") { hint = "free it (is amtomatd already running?)" }
                    problems.append("line \(shown) on \(label) is in use by \(owner); \(hint)")
                }
            }
        }
        return problems
    }

    static func chipOpenProblem(_ spec: String, errno e: Int32) -> String {
        switch e {
        case ENOENT, ENODEV, ENXIO:
            if let soc = socGPIOController(spec) {
                return "chip '\(spec)' not found: it is \(soc), which exists only on that board; run the check on the locker's own computer (or add --no-probe to check the file alone), and on the locker compare the chip label with `gpiodetect`"
            }
            if spec.hasPrefix("/dev/") {
                return "chip '\(spec)' not found: this machine has no such device; on the locker, `gpiodetect` lists the chips (or add --no-probe to check the file alone on another machine)"
            }
            return "chip '\(spec)' not found; check the I²C expander's wiring and dtoverlay (or the chip label: `gpiodetect` lists them)"
        case EACCES, EPERM:
            return "chip '\(spec)' cannot be opened: \(strerror(e)); give the service's group access to /dev/gpiochip* (hardware/udev/60-amtomat-gpio.rules)"
        default:
            return "chip '\(spec)' cannot be opened: \(strerror(e))"
        }
    }

    /// The board's own GPIO controller (not an add-on expander), named by the label its kernel driver gives it.
    static func socGPIOController(_ spec: String) -> String? {
        let known: [(prefix: String, board: String)] = [
            ("pinctrl-bcm2711", "the GPIO controller of a Raspberry Pi 4 / 400 / CM4"),
            ("pinctrl-bcm2712", "the GPIO controller of a Raspberry Pi 5's SoC"),
            ("pinctrl-rp1", "the GPIO controller (RP1) of a Raspberry Pi 5's 40-pin header"),
            ("pinctrl-bcm2835", "the GPIO controller of a Raspberry Pi 1–3 / Zero"),
            ("raspberrypi-exp-gpio", "the Raspberry Pi's firmware GPIO expander"),
        ]
        return known.first { spec.hasPrefix($0.prefix) }?.board
    }

    static func cString(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func strerror(_ e: Int32) -> String { String(cString: Glibc.strerror(e)) }

    // MARK: - Claiming lines

    private struct ClaimError: Error {
        var message: String
        var busy: Bool
        func problem(_ text: String) -> LineProblem { busy ? .busy(text) : .missing(text) }
    }

    private func chipLocked(_ spec: String, _ s: inout Lines) throws(ClaimError) -> Chip {
        if let c = s.chips[spec] { return c }
        guard let handle = amt_chip_open(spec) else {
            throw ClaimError(message: Self.chipOpenProblem(spec, errno: errno), busy: false)
        }
        let chip = Chip(spec: spec, handle: handle)
        s.chips[spec] = chip
        return chip
    }

    private func claimLocked(_ address: LineAddress, compartment: CompartmentID, output: Bool, _ s: inout Lines) throws(ClaimError) -> Line {
        let chip = try chipLocked(address.chip, &s)
        let offset: Int32
        switch address.line {
        case .name(let n):
            offset = amt_chip_find_line(chip.handle, n)
            if offset < 0 {
                throw ClaimError(message: "line '\(n)' not found on chip \(chip.display)", busy: false)
            }
        case .offset(let o):
            guard o >= 0, o < Int(amt_chip_num_lines(chip.handle)) else {
                throw ClaimError(message: "line \(o) does not exist on chip \(chip.display)", busy: false)
            }
            offset = Int32(o)
        }
        let bias: Int32 = switch address.bias {
        case .asIs: Int32(AMT_BIAS_AS_IS.rawValue)
        case .disabled: Int32(AMT_BIAS_DISABLED.rawValue)
        case .pullUp: Int32(AMT_BIAS_PULL_UP.rawValue)
        case .pullDown: Int32(AMT_BIAS_PULL_DOWN.rawValue)
        }
        let handle: OpaquePointer?
        if output {
            handle = amt_request_output(chip.handle, UInt32(offset), consumer, address.activeLow ? 1 : 0, bias, 0)
        } else {
            handle = amt_request_input(chip.handle, UInt32(offset), consumer, address.activeLow ? 1 : 0, bias,
                                       UInt32(debounceMilliseconds * 1000))
        }
        guard let handle else {
            let e = errno
            var owner = ""
            if e == EBUSY {
                var used: Int32 = 0, out: Int32 = 0
                var consumerBuf = [CChar](repeating: 0, count: 64)
                var nameBuf = [CChar](repeating: 0, count: 64)
                if amt_chip_line_info(chip.handle, UInt32(offset), &used, &out, &nameBuf, 64, &consumerBuf, 64) == 0 {
                    let c = Self.cString(consumerBuf)
                    owner = c.isEmpty ? "" : " (in use by '\(c)')"
                }
            }
            throw ClaimError(
                message: "cannot request line \(address.line.shown) (offset \(offset)) as \(output ? "output" : "input") on chip \(chip.display): \(Self.strerror(e))\(owner)",
                busy: e == EBUSY)
        }
        var line = Line(compartment: compartment, address: address, chip: chip, handle: handle, offset: UInt32(offset))
        if !output { line.fd = amt_line_event_fd(handle) }
        return line
    }

    private func lineName(_ line: Line) -> String { "\(line.address.line.shown) (offset \(line.offset))" }

    private func readDoorLocked(_ id: CompartmentID, _ s: Lines) -> DoorState {
        guard let line = s.doors[id], line.chip.alive else { return .unknown }
        let v = amt_line_get(line.handle)
        return v < 0 ? .unknown : (v == 1 ? .closed : .open)
    }

    private func currentDoorsLocked(_ s: Lines) -> [CompartmentID: DoorState] {
        var d: [CompartmentID: DoorState] = [:]
        for c in description.compartments { d[c.id] = readDoorLocked(c.id, s) }
        return d
    }

    private func releaseAllCoilsLocked(_ s: inout Lines) {
        s.coilDeadlines.removeAll()
        s.endedByTimer.removeAll()
        for (id, line) in s.locks where line.chip.alive {
            if amt_line_set(line.handle, 0) != 0 {
                logger.critical("Could not drive a lock coil inactive", metadata: [
                    "compartment": "\(id)", "error": "\(Self.strerror(errno))",
                ])
            }
        }
    }

    private func releaseEverythingLocked(_ s: inout Lines) {
        releaseAllCoilsLocked(&s)
        for (_, line) in s.locks { amt_line_release(line.handle) }
        for (_, line) in s.doors { amt_line_release(line.handle) }
        s.locks.removeAll()
        s.doors.removeAll()
        for (_, chip) in s.chips { amt_chip_close(chip.handle) }
        s.chips.removeAll()
        if s.wakeFD >= 0 { close(s.wakeFD); s.wakeFD = -1 }
    }

    public func livenessTick(_ sequence: UInt64) {
        state.withLock { s in
            s.tickRequested = sequence
            if s.wakeFD >= 0 { _ = amt_wakeup_signal(s.wakeFD) }
        }
    }

    // MARK: - The event thread

    private func eventLoop() {
        var pending: [CompartmentID: ContinuousClock.Instant] = [:]
        let clock = ContinuousClock()
        var lastHealthCheck = clock.now
        // v2: the kernel debounces; v1: confirm in software after the debounce time.
        let confirmAfter: Duration = Self.apiVersion == 1 ? .milliseconds(debounceMilliseconds) : .zero
        var eventBuffer = [amt_event](repeating: amt_event(), count: 16)
        while true {
            let watched = state.withLock { s in
                var fds = [pollfd(fd: s.wakeFD, events: Int16(POLLIN), revents: 0)]
                var owners: [CompartmentID] = []
                for (id, line) in s.doors.sorted(by: { $0.key < $1.key }) where line.chip.alive && line.fd >= 0 {
                    fds.append(pollfd(fd: line.fd, events: Int16(POLLIN), revents: 0))
                    owners.append(id)
                }
                return (fds: fds, owners: owners, nextCoilDeadline: s.coilDeadlines.values.min(), wakeFD: s.wakeFD)
            }
            var fds = watched.fds
            let (owners, nextCoilDeadline, wakeFD) = (watched.owners, watched.nextCoilDeadline, watched.wakeFD)
            let now = clock.now
            var timeout: Duration = .seconds(1)
            if let next = pending.values.min() { timeout = min(timeout, max(.zero, next - now)) }
            if let next = nextCoilDeadline { timeout = min(timeout, max(.zero, next - now)) }
            let timeoutMs = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            let n = poll(&fds, nfds_t(fds.count), timeoutMs)
            if n < 0 && errno != EINTR {
                logger.error("poll() on GPIO event fds failed", metadata: ["error": "\(Self.strerror(errno))"])
                Thread.sleep(forTimeInterval: 0.1)
            }
            if fds[0].revents != 0 {
                amt_wakeup_drain(wakeFD)
                if state.withLock({ $0.cancelled }) { break }
            }
            let toEmit: [HardwareEvent] = state.withLock { s in
                var deadChips: [ObjectIdentifier: (chip: Chip, reason: String)] = [:]
                for (i, id) in owners.enumerated() {
                    let revents = Int32(fds[i + 1].revents)
                    guard revents != 0, let line = s.doors[id] else { continue }
                    if revents & (Int32(POLLERR) | Int32(POLLHUP) | Int32(POLLNVAL)) != 0 {
                        deadChips[ObjectIdentifier(line.chip)] = (line.chip, "poll reported \(revents & Int32(POLLHUP) != 0 ? "hang-up" : "error") on its event fd")
                        continue
                    }
                    if revents & Int32(POLLIN) != 0 {
                        let got = eventBuffer.withUnsafeMutableBufferPointer { amt_line_read_events(line.handle, $0.baseAddress, 16) }
                        if got < 0 {
                            let e = errno
                            if e == ENODEV || e == EIO || e == EBADF { deadChips[ObjectIdentifier(line.chip)] = (line.chip, "reading events failed: \(Self.strerror(e))") }
                            continue
                        }
                        pending[id] = clock.now.advanced(by: confirmAfter)
                    }
                }
                // Chips without door lines (lock-only expanders) are only noticed this way.
                if clock.now - lastHealthCheck >= .seconds(1) {
                    lastHealthCheck = clock.now
                    for (_, chip) in s.chips where chip.alive {
                        var st = stat()
                        if stat(chip.path, &st) != 0 || UInt(st.st_rdev) != chip.rdev {
                            deadChips[ObjectIdentifier(chip)] = (chip, "its device node \(chip.path) is gone")
                        }
                    }
                }
                var toEmit: [HardwareEvent] = []
                // The pulse timer: coils off on time, independent of the Swift tasks.
                let timerNow = clock.now
                for (id, deadline) in s.coilDeadlines where deadline <= timerNow {
                    s.coilDeadlines[id] = nil
                    guard let line = s.locks[id], line.chip.alive else { continue }
                    if amt_line_set(line.handle, 0) == 0 {
                        s.endedByTimer[id] = timerNow
                    } else {
                        logger.critical("The pulse timer could not switch a lock coil off", metadata: [
                            "compartment": "\(id)", "error": "\(Self.strerror(errno))",
                        ])
                    }
                }
                for (_, (chip, reason)) in deadChips where chip.alive {
                    chip.alive = false
                    let ids = Set(s.locks.values.filter { $0.chip === chip }.map(\.compartment))
                        .union(s.doors.values.filter { $0.chip === chip }.map(\.compartment)).sorted()
                    let message = "GPIO chip \(chip.display) disappeared (\(reason)); compartments \(ids.map(\.description).joined(separator: ", ")) are out of service"
                    for id in ids {
                        s.problems[id] = .missing(message)
                        pending[id] = nil
                        s.reported[id] = .unknown
                    }
                    toEmit.append(.fault(compartments: ids, message: message))
                }
                let due = pending.filter { $0.value <= clock.now }.map(\.key)
                for id in due {
                    pending[id] = nil
                    let door = readDoorLocked(id, s)
                    if door != .unknown, s.reported[id] != door {
                        s.reported[id] = door
                        toEmit.append(.door(id, door))
                    }
                }
                // Answered from this thread, after this round's door changes: proof that it still loops.
                if let tick = s.tickRequested {
                    s.tickRequested = nil
                    toEmit.append(.tick(tick))
                }
                return toEmit
            }
            for event in toEmit {
                if case let .fault(_, message) = event { logger.error("Hardware fault", metadata: ["problem": "\(message)"]) }
                continuation.yield(event)
            }
        }
        let waiter = state.withLock { s in
            s.threadFinished = true
            defer { s.threadDone = nil }
            return s.threadDone
        }
        waiter?.resume()
    }
}

extension LineAddress.Line {
    var shown: String {
        switch self {
        case .name(let n): "'\(n)'"
        case .offset(let o): String(o)
        }
    }
}
