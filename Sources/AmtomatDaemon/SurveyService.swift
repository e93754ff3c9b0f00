import AmtomatCore
import AmtomatStore
import Foundation
import Hummingbird
import Logging

/// Placeholder until the survey lands; the kiosk works without it.
public struct SurveyService: Sendable {
    init(store: LockerStore, files: StaticFiles, logger: Logger) throws {}
    /// Citizen side: POST /api/survey, POST /api/raffle.
    func addRoutes(to router: Router<BasicRequestContext>, controller: LockerController) {}
    /// Clerk side: reports, raffle draw and close.
    func addControlRoutes(to router: Router<ControlContext>) {}
}
