import AmtomatCore
import Metrics

/// Counters and gauges for Prometheus (served on the control socket at /metrics).
public struct LockerMetrics: Sendable {
    private let pickups = Counter(label: "amtomat_pickups_opened_total")
    private let collections = Counter(label: "amtomat_documents_collected_total")
    private let rejected = Counter(label: "amtomat_pickup_attempts_rejected_total")
    private let alarms = Counter(label: "amtomat_guessing_alarms_total")
    private let releases = Counter(label: "amtomat_lock_releases_total")
    private let lockFaults = Counter(label: "amtomat_lock_faults_total")
    private let tampers = Counter(label: "amtomat_tamper_alarms_total")
    private let leftOpen = Counter(label: "amtomat_door_left_open_alarms_total")
    private let faults = Counter(label: "amtomat_hardware_faults_total")

    public init() {}

    func pickupOpened() { pickups.increment(); releases.increment() }
    func collected() { collections.increment() }
    func pickupRejected() { rejected.increment() }
    func guessingAlarm() { alarms.increment() }
    func lockReleased() { releases.increment() }
    func lockFault() { lockFaults.increment() }
    func tamper() { tampers.increment() }
    func doorLeftOpen() { leftOpen.increment() }
    func hardwareFault() { faults.increment() }

    /// Doors open now, those open longer than the left-open alarm, and the longest one's seconds:
    /// the alarm a person at the office can see (`amtomat_doors_left_open > 0`).
    func openDoors(_ seconds: [Double], leftOpenAfter alarm: Double) {
        Gauge(label: "amtomat_doors_open").record(seconds.count)
        Gauge(label: "amtomat_doors_left_open").record(seconds.filter { $0 >= alarm }.count)
        Gauge(label: "amtomat_door_open_longest_seconds").record(seconds.max() ?? 0)
    }

    func compartments(_ states: [CompartmentState]) {
        for state in CompartmentState.allCases {
            Gauge(label: "amtomat_compartments", dimensions: [("state", state.rawValue)])
                .record(states.filter { $0 == state }.count)
        }
    }
}

import Prometheus

extension LockerMetrics {
    /// Sends all swift-metrics to a Prometheus registry (once per process) and returns its text exposition.
    public static func bootstrapPrometheus() -> @Sendable () -> String {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return { registry.emitToString() }
    }
}
