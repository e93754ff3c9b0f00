import AmtomatAPI
import Metrics
import Synchronization

/// Whether the kiosk page is really on the screen and alive, as the page itself reports it.
///
/// A browser can be running and still show a white window (a page that never loaded, a renderer that
/// hangs); nothing outside the page can tell. So the page reports from inside an animation frame
/// every few seconds (kiosk `main.js`), which happens only while it is loaded, its script runs and
/// the browser draws it. The kiosk's start script restarts the browser when the reports stop, and
/// the town's monitoring sees the silence as `amtomat_kiosk_page_silent_seconds`.
public final class KioskPageWatch: Sendable {
    private struct State {
        var reports = 0
        var last: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    private let started: ContinuousClock.Instant
    private let clock = ContinuousClock()

    public init() { started = clock.now }

    func report() {
        let now = clock.now
        state.withLock { $0.reports += 1; $0.last = now }
    }

    public func snapshot() -> KioskPageReport {
        let now = clock.now
        return state.withLock {
            KioskPageReport(reports: $0.reports, secondsSinceLastReport: $0.last.map { Self.seconds(now - $0) })
        }
    }

    /// Seconds since the page last reported, or since the daemon started if it never did: the
    /// gauge an alert can watch without knowing when the daemon started.
    func recordGauge() {
        let now = clock.now
        let silent = state.withLock { Self.seconds(now - ($0.last ?? started)) }
        Gauge(label: "amtomat_kiosk_page_silent_seconds").record(silent)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
