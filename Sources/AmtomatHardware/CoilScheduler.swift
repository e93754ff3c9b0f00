import AmtomatCore
import Logging

/// The one place that energises lock coils.
///
/// Every unlock is a bounded pulse: its length is capped by `CoilLimits.hardCeilingMilliseconds`,
/// at most `maxEnergisedAtOnce` coils are on together (the power supply's limit), a lock rests for
/// `minimumOffMilliseconds` between pulses (the solenoid's duty cycle) and pulses start at least
/// `gapBetweenPulsesMilliseconds` apart. If switching a coil fails, every coil is released.
public actor CoilScheduler {
    /// One pulse as it happened, for tests, benchmarks and `amtomat hw`.
    public struct PulseRecord: Sendable {
        public var compartment: CompartmentID
        public var milliseconds: Int
        public var startedAt: ContinuousClock.Instant
    }

    private let backend: any LockerBackend
    private let limits: CoilLimits
    private let clock = ContinuousClock()
    private let logger: Logger
    private var energised = 0
    private var lastPulseStart: ContinuousClock.Instant?
    private var lastReleased: [CompartmentID: ContinuousClock.Instant] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) public var history: [PulseRecord] = []
    /// Called the moment a coil is energised (benchmarks measure up to here).
    private var onPulseStart: (@Sendable (CompartmentID) -> Void)?

    public init(backend: any LockerBackend, limits: CoilLimits, logger: Logger) {
        self.backend = backend
        self.limits = limits
        self.logger = logger
    }

    public func setPulseObserver(_ observer: (@Sendable (CompartmentID) -> Void)?) {
        onPulseStart = observer
    }

    /// Energises the lock of `compartment` for `milliseconds` and releases it again.
    /// Returns once the coil is off.
    ///
    /// A pulse can wait in the queue for its slot for a second or more. `stillWanted` is asked right
    /// before the coil is energised: when it answers false (the reservation or withdrawal that asked
    /// for the unlock is gone), the pulse is dropped and never fired, and the result is false.
    @discardableResult
    public func pulse(_ compartment: CompartmentID, milliseconds: Int,
                      stillWanted: @Sendable () async -> Bool = { true }) async throws -> Bool {
        guard milliseconds > 0, milliseconds <= CoilLimits.hardCeilingMilliseconds else {
            throw HardwareError.pulseTooLong(requested: milliseconds, ceiling: CoilLimits.hardCeilingMilliseconds)
        }
        await acquireSlot()
        defer { releaseSlot() }
        // Respect the duty cycle of this lock and the gap between any two pulses.
        while true {
            let now = clock.now
            var readyAt = now
            if let off = lastReleased[compartment] {
                readyAt = max(readyAt, off.advanced(by: .milliseconds(limits.minimumOffMilliseconds)))
            }
            if let start = lastPulseStart {
                readyAt = max(readyAt, start.advanced(by: .milliseconds(limits.gapBetweenPulsesMilliseconds)))
            }
            if readyAt <= now { break }
            try? await clock.sleep(until: readyAt)
        }
        guard await stillWanted() else {
            logger.notice("Queued unlock dropped: nobody needs this door open any more", metadata: ["compartment": "\(compartment)"])
            return false
        }
        let start = clock.now
        lastPulseStart = start
        do {
            try backend.setCoil(compartment, energised: true)
        } catch {
            backend.releaseAllCoils()
            logger.error("Could not energise the lock coil; all coils released", metadata: ["compartment": "\(compartment)", "error": "\(error)"])
            throw error
        }
        onPulseStart?(compartment)
        history.append(PulseRecord(compartment: compartment, milliseconds: milliseconds, startedAt: start))
        if history.count > 1000 { history.removeFirst(history.count - 1000) }
        // Sleep is not cancellable here on purpose: the coil must be released whatever happens.
        await sleepUncancellable(until: start.advanced(by: .milliseconds(milliseconds)))
        do {
            try backend.setCoil(compartment, energised: false)
        } catch {
            backend.releaseAllCoils()
            logger.critical("Could not release a lock coil; all coils released", metadata: ["compartment": "\(compartment)", "error": "\(error)"])
        }
        lastReleased[compartment] = clock.now
        return true
    }

    /// The shortest time in which `count` pulses on different locks can be done, given the limits:
    /// the bound the self-test is measured against.
    public static func lowerBound(pulses: [Int], limits: CoilLimits) -> Duration {
        guard !pulses.isEmpty else { return .zero }
        let n = max(1, limits.maxEnergisedAtOnce)
        let longest = pulses.max() ?? 0
        let gap = limits.gapBetweenPulsesMilliseconds
        // Starts are at least `gap` apart; with n coils at once the pulses overlap in waves.
        let byGap = (pulses.count - 1) * gap + longest
        let byConcurrency = Int((Double(pulses.reduce(0, +)) / Double(n)).rounded(.up))
        return .milliseconds(max(byGap, byConcurrency))
    }

    private func sleepUncancellable(until deadline: ContinuousClock.Instant) async {
        await Task.detached { try? await ContinuousClock().sleep(until: deadline) }.value
    }

    private func acquireSlot() async {
        if energised < max(1, limits.maxEnergisedAtOnce) {
            energised += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func releaseSlot() {
        if waiters.isEmpty {
            energised -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
