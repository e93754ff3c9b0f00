import AmtomatCore
import Foundation
import Logging
import ServiceLifecycle

/// Runs the locker controller for the life of the daemon and releases every coil on the way out.
struct LockerService: Service {
    let controller: LockerController
    let notifier: SystemdNotifier

    func run() async throws {
        try? await gracefulShutdown()
        notifier.notify("STOPPING=1")
        await controller.stop()
    }
}

/// Expires documents past their hold period, once a minute; once a day also deletes personal data
/// past its retention period (`LockerController.sweep`).
struct ExpirySweepService: Service {
    let controller: LockerController
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                do {
                    try await controller.sweep()
                } catch {
                    logger.error("Expiry sweep failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// Pets systemd's watchdog only while the controller and its database answer.
struct WatchdogService: Service {
    let controller: LockerController
    let notifier: SystemdNotifier
    let readiness: Readiness
    let logger: Logger

    func run() async throws {
        guard let interval = notifier.watchdogInterval else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            _ = await readiness.waitForKiosk()  // READY=1 comes first
            while true {
                if await controller.isHealthy() {
                    notifier.notify("WATCHDOG=1")
                } else {
                    logger.critical("Health check failed; not petting the watchdog")
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

extension LockerController {
    /// The actor answers and the database can be read.
    public func isHealthy() -> Bool {
        store.database.isReadable()
    }
}
