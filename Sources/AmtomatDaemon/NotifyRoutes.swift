import AmtomatAPI
import AmtomatCore
import Foundation
import Hummingbird

extension ControlAPI {
    /// Clerks: the outbox and resending. amtomat-notify (role notifier): claiming and reporting.
    func addNotifyRoutes(to router: Router<ControlContext>) {
        let controller = self.controller
        let notices = self.notices
        let desk: @Sendable () throws -> NoticeDesk = {
            guard let notices else {
                throw APIError(.notFound, "This locker sends no notifications; set up [notify.sms] or [notify.email] in the configuration (docs/notifications.md).")
            }
            return notices
        }

        router.get("/notifications") { request, context in
            _ = try context.actor(.clerk)
            let all = request.uri.queryParameters.get("all") == "true"
            return try jsonResponse(try desk().list(all: all))
        }
        router.post("/notifications/resend/{reference}") { _, context in
            let actor = try context.actor(.clerk)
            _ = try desk()
            return try jsonResponse(try await controller.resendNotice(reference: try context.parameters.require("reference"), by: actor))
        }

        router.post("/outbox/claim") { request, context in
            _ = try context.actor(.notifier)
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 10
            let wait = request.uri.queryParameters.get("wait").flatMap { Int($0) } ?? 25
            return try jsonResponse(try await desk().claim(limit: min(max(limit, 1), 100), wait: .seconds(min(max(wait, 0), 55))))
        }
        router.post("/outbox/{id}/report") { request, context in
            _ = try context.actor(.notifier)
            guard let id = Int64(try context.parameters.require("id")) else {
                throw APIError(.badRequest, "The message id must be a number.")
            }
            let body = try await decodeBody(DeliveryReport.self, from: request)
            try desk().report(id: id, body)
            return Response(status: .noContent)
        }
    }
}
