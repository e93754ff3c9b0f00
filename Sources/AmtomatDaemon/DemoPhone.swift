import AmtomatCore
import Foundation
import Hummingbird

/// An SMS that reached the demo's "citizen's phone" (hardware/demo-phone writes them).
struct DemoPhoneMessage: Codable, Sendable {
    var to: String
    var at: String
    var text: String
}

extension KioskAPI {
    /// Demo mode only: the messages in `[notify] demo_inbox`, newest last, so the demo page can show
    /// the SMS arriving on "the citizen's phone". A real locker has no inbox and no such route.
    func addDemoPhoneRoute(to router: Router<BasicRequestContext>) {
        let inbox = controller.notices?.settings.demoInbox
        router.get("/api/demo/phone") { _, _ in
            guard let inbox, let text = try? String(contentsOfFile: inbox, encoding: .utf8) else {
                return try jsonResponse([DemoPhoneMessage]())
            }
            let messages = text.split(separator: "\n").suffix(20).compactMap {
                try? JSONDecoder().decode(DemoPhoneMessage.self, from: Data($0.utf8))
            }.map { DemoPhoneMessage(to: PhoneNumber.masked($0.to), at: $0.at, text: $0.text) }
            return try jsonResponse(messages)
        }
    }
}
