import AmtomatCore

// Interim self-test (the gpio branch brings the full one).
public enum SelfTestVerdict: String, Codable, Sendable {
    case ok
    case lockDoesNotRelease = "lock-does-not-release"
    case sensorStuckOpen = "sensor-stuck-open"
    case sensorStuckClosed = "sensor-stuck-closed"
    case lineMissing = "line-missing"
    case lineBusy = "line-busy"
}

public struct SelfTestResult: Codable, Sendable {
    public var compartment: CompartmentID
    public var verdict: SelfTestVerdict
    public var detail: String
    public var milliseconds: Int
}

extension Locker {
    public func selfTest(_ id: CompartmentID) async -> SelfTestResult {
        let clock = ContinuousClock()
        let start = clock.now
        let before = doorState(id)
        let outcome = (try? await release(id)) ?? .doorDidNotOpen
        let ms = Int((clock.now - start).components.seconds * 1000 + (clock.now - start).components.attoseconds / 1_000_000_000_000_000)
        if before == .open {
            return SelfTestResult(compartment: id, verdict: .sensorStuckOpen, detail: "the sensor said open before the pulse", milliseconds: ms)
        }
        if outcome == .opened {
            return SelfTestResult(compartment: id, verdict: .ok, detail: "door opened after the pulse", milliseconds: ms)
        }
        return SelfTestResult(compartment: id, verdict: .lockDoesNotRelease, detail: "the door did not open", milliseconds: ms)
    }
}
