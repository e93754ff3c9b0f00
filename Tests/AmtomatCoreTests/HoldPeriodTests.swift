import AmtomatCore
import Foundation
import Testing

@Suite("Hold period and second factor")
struct HoldPeriodTests {
    let ready = Date(timeIntervalSince1970: 1_800_000_000)
    func days(_ n: Double) -> TimeInterval { n * 86_400 }

    @Test("expiry is the hold period after the document became ready")
    func expiry() {
        #expect(HoldPeriod.expiry(readyAt: ready, holdDays: 14) == ready.addingTimeInterval(days(14)))
    }

    @Test("an extension adds to the later of expiry and now, up to the maximum after ready")
    func extend() {
        let policy = HoldPeriod(maxDays: 28)
        let expires = ready.addingTimeInterval(days(14))
        #expect(policy.extend(readyAt: ready, expiresAt: expires, now: ready, days: 7) == .success(expires.addingTimeInterval(days(7))))
        // Expired five days ago: the extension counts from now.
        let now = expires.addingTimeInterval(days(5))
        #expect(policy.extend(readyAt: ready, expiresAt: expires, now: now, days: 9) == .success(now.addingTimeInterval(days(9))))
        #expect(policy.extend(readyAt: ready, expiresAt: expires, now: now, days: 10) == .failure(.beyondMaximum(maxDays: 28, daysLeft: 9)))
        #expect(policy.extend(readyAt: ready, expiresAt: expires, now: ready, days: 14) == .success(ready.addingTimeInterval(days(28))),
                "exactly the maximum is allowed")
        #expect(policy.extend(readyAt: ready, expiresAt: expires, now: ready, days: 0) == .failure(.invalidDays(0, maximum: 28)))
    }

    @Test("the code is blocked at the configured number of wrong dates of birth, not before")
    func secondFactorBlocking() {
        let policy = SecondFactorPolicy(maxFailures: 3)
        #expect(policy.afterWrongDate(failures: 0) == (1, false))
        #expect(policy.afterWrongDate(failures: 1) == (2, false))
        #expect(policy.afterWrongDate(failures: 2) == (3, true))
    }
}
