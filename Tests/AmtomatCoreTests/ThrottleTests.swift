import AmtomatCore
import Foundation
import Testing

@Suite("Terminal throttle and guessing bound")
struct ThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("one or two typos cost nothing")
    func typosAreFree() {
        var t = TerminalThrottle(policy: .init(capacity: 5, refillSeconds: 1800), now: start)
        let r1 = t.recordFailure(now: start)
        #expect(!r1)
        let r2 = t.recordFailure(now: start.addingTimeInterval(5))
        #expect(!r2)
        let r3 = t.check(now: start.addingTimeInterval(10))
        #expect(r3 == .allowed)
        let r4 = t.remainingFreeAttempts(now: start.addingTimeInterval(10))
        #expect(r4 == 3)
    }

    @Test("after the free attempts the terminal says how long to wait, and the alarm is raised once")
    func slowsDownAndAlarms() {
        var t = TerminalThrottle(policy: .init(capacity: 3, refillSeconds: 600), now: start)
        let r5 = t.recordFailure(now: start)
        #expect(!r5)
        let r6 = t.recordFailure(now: start)
        #expect(!r6)
        let r7 = t.recordFailure(now: start)
        #expect(r7, "the burst that empties the bucket raises the alarm")
        let r8 = t.check(now: start)
        #expect(r8 == .wait(seconds: 600))
        let r9 = t.check(now: start.addingTimeInterval(599))
        #expect(r9 == .wait(seconds: 1))
        let r10 = t.check(now: start.addingTimeInterval(600))
        #expect(r10 == .allowed)
        let r11 = t.recordFailure(now: start.addingTimeInterval(600))
        #expect(r11, "a new burst after recovery alarms again")
        let r12 = t.recordFailure(now: start.addingTimeInterval(601))
        #expect(!r12, "but not twice for the same burst")
    }

    /// Someone who tries as fast as the terminal lets them, for a day, with an injected clock.
    @Test("the rate a determined guesser gets is capacity plus one per refill interval")
    func provenRate() {
        let policy = TerminalThrottle.Policy(capacity: 5, refillSeconds: 1800)
        var t = TerminalThrottle(policy: policy, now: start)
        var now = start
        var attempts = 0
        let end = start.addingTimeInterval(86_400)
        while now < end {
            switch t.check(now: now) {
            case .allowed:
                attempts += 1
                _ = t.recordFailure(now: now)
                now = now.addingTimeInterval(1)  // a fast guesser: one try per second
            case .wait(let seconds):
                now = now.addingTimeInterval(Double(seconds))
            }
        }
        // At most capacity + one per refill interval (53); the guesser's own second per try may cost one.
        #expect(Double(attempts) <= policy.maxFailures(over: 86_400), "got \(attempts)")
        #expect(attempts >= 52, "got \(attempts)")
    }

    @Test("successful pickups by others never cost anything (only failures are recorded)")
    func successDoesNotConsume() {
        var t = TerminalThrottle(policy: .init(capacity: 1, refillSeconds: 60), now: start)
        for _ in 0..<100 {
            let decision = t.check(now: start)
            #expect(decision == .allowed)
        }
    }

    @Test("the default settings meet the one-in-a-million target, with and without second factor")
    func defaultsMeetTarget() {
        let bound = GuessingBound(codeLength: 12, holdDays: 28, throttle: .init(), secondFactorAttempts: 5)
        #expect(bound.guessesAllowed == 5 + 28 * 48)
        #expect(bound.chanceWithoutSecondFactor <= GuessingBound.target)
        #expect(bound.chanceWithSecondFactor < bound.chanceWithoutSecondFactor)
        #expect(bound.meetsTarget)
        // chance = 1349 × 608 / 10^12
        #expect(abs(bound.chanceWithoutSecondFactor - 1349.0 * 608 / 1e12) < 1e-15)
    }

    @Test("shorter codes or a faster throttle fail the target, and the shortest safe length is found")
    func weakSettingsFail() {
        let short = GuessingBound(codeLength: 8, holdDays: 28, throttle: .init(), secondFactorAttempts: 5)
        #expect(!short.meetsTarget)
        #expect(short.shortestSafeCodeLength == 12)
        let fast = GuessingBound(codeLength: 12, holdDays: 28, throttle: .init(capacity: 5, refillSeconds: 10), secondFactorAttempts: 5)
        #expect(!fast.meetsTarget)
        #expect(fast.shortestSafeCodeLength > 12)
    }
}
