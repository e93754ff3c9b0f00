import AmtomatCore
import Foundation
import Testing

@Suite("Terminal throttle and guessing bound")
struct ThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("one or two typos cost nothing")
    func typosAreFree() {
        var t = TerminalThrottle(policy: .init(capacity: 5, refillSeconds: 60, firstWaitSeconds: 5), now: start)
        let r1 = t.recordFailure(now: start)
        #expect(!r1)
        let r2 = t.recordFailure(now: start.addingTimeInterval(5))
        #expect(!r2)
        let r3 = t.check(now: start.addingTimeInterval(10))
        #expect(r3 == .allowed)
        let r4 = t.remainingFreeAttempts(now: start.addingTimeInterval(10))
        #expect(r4 == 3)
    }

    @Test("after the free attempts the waits grow 5, 10, 20, 40 s and stop at a minute; the alarm is raised once")
    func waitsGrowAndCap() {
        var t = TerminalThrottle(policy: .init(capacity: 3, refillSeconds: 60, firstWaitSeconds: 5), now: start)
        var now = start
        let a1 = t.recordFailure(now: now)
        let a2 = t.recordFailure(now: now)
        #expect(!a1 && !a2)
        #expect(t.remainingFreeAttempts(now: now) == 1, "the kiosk can warn before the last free attempt")
        let alarm = t.recordFailure(now: now)
        #expect(alarm, "the failure that uses up the free attempts raises the alarm")
        var waits: [Int] = []
        for _ in 0..<6 {
            guard case .wait(let seconds) = t.check(now: now) else { Issue.record("not slowed"); return }
            waits.append(seconds)
            now = now.addingTimeInterval(Double(seconds))
            #expect(t.check(now: now) == .allowed)
            let again = t.recordFailure(now: now)
            #expect(!again, "one alarm per burst")
        }
        // Each wait also forgives part of the debt, so 40 s comes twice before the waits reach a minute.
        #expect(waits == [5, 10, 20, 40, 40, 60])
        #expect(t.slowedSeconds(now: now) == 60)
        #expect(t.slowedSeconds(now: now.addingTimeInterval(59)) == 1)
        #expect(t.slowedSeconds(now: now.addingTimeInterval(60)) == 0)
    }

    @Test("a stranger who walks away costs the next person at most the longest wait, and then the debt fades")
    func strangerWalksAway() {
        let policy = TerminalThrottle.Policy(capacity: 5, refillSeconds: 60, firstWaitSeconds: 5)
        var t = TerminalThrottle(policy: policy, now: start)
        var now = start
        for _ in 0..<200 {  // a child pressing as fast as the terminal allows, for a while
            if case .wait(let s) = t.check(now: now) { now = now.addingTimeInterval(Double(s)) }
            _ = t.recordFailure(now: now)
            #expect(t.slowedSeconds(now: now) <= 60)
        }
        #expect(t.slowedSeconds(now: now) == 60)
        #expect(t.check(now: now.addingTimeInterval(60)) == .allowed, "the next citizen waits one minute at most")
        // Debt of recent failures fades at one a minute: after a quarter of an hour typos are free again.
        #expect(t.remainingFreeAttempts(now: now.addingTimeInterval(60 * 15)) == 5)
    }

    @Test("a clock that goes back never stretches the wait beyond the longest one")
    func clockGoesBack() {
        var t = TerminalThrottle(policy: .init(capacity: 1, refillSeconds: 60, firstWaitSeconds: 60), now: start)
        _ = t.recordFailure(now: start)
        let earlier = start.addingTimeInterval(-86_400)
        #expect(t.slowedSeconds(now: earlier) == 60)
    }

    @Test("the state is a value: saved and restored, it grants nothing new; reset clears it")
    func stateSurvivesRestore() {
        let policy = TerminalThrottle.Policy(capacity: 3, refillSeconds: 60, firstWaitSeconds: 30)
        var t = TerminalThrottle(policy: policy, now: start)
        for _ in 0..<3 { _ = t.recordFailure(now: start) }
        let saved = t.state
        var restored = TerminalThrottle(policy: policy, state: saved)
        #expect(restored.slowedSeconds(now: start.addingTimeInterval(10)) == 20)
        #expect(restored.remainingFreeAttempts(now: start.addingTimeInterval(10)) == 0)
        restored.reset(now: start.addingTimeInterval(10))
        #expect(restored.check(now: start.addingTimeInterval(10)) == .allowed)
        #expect(restored.remainingFreeAttempts(now: start.addingTimeInterval(10)) == 3)
    }

    /// Guessers with different strategies, each for a whole hold period, with an injected clock:
    /// none gets more than `maxFailures(over:)`.
    @Test("no guessing strategy beats the proven bound", arguments: [0.0, 1.0, 30.0, 59.0, 60.0, 61.0, 300.0])
    func provenBound(pause: Double) {
        let policy = TerminalThrottle.Policy()
        var t = TerminalThrottle(policy: policy, now: start)
        var now = start
        var attempts = 0
        let seconds = 28.0 * 86_400
        let end = start.addingTimeInterval(seconds)
        while now < end {
            switch t.check(now: now) {
            case .allowed:
                attempts += 1
                _ = t.recordFailure(now: now)
                now = now.addingTimeInterval(max(pause, 1))  // one try per second at the fastest
            case .wait(let s):
                now = now.addingTimeInterval(Double(s))
            }
        }
        #expect(Double(attempts) <= policy.maxFailures(over: seconds), "pause \(pause): \(attempts)")
        if pause <= 60 {
            #expect(Double(attempts) >= policy.maxFailures(over: seconds) - 12, "the bound is tight: \(attempts)")
        }
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
        let bound = GuessingBound(codeLength: 14, holdDays: 28, throttle: .init(), secondFactorAttempts: 5)
        #expect(bound.throttle.stepsToLongestWait == 5, "waits 5, 10, 20, 40, then 60 s")
        #expect(bound.longestWaitSeconds == 60)
        #expect(bound.guessesPerDay == 4 + 5 + 1440)
        #expect(bound.guessesAllowed == 4 + 5 + 28 * 1440)
        #expect(bound.chanceWithoutSecondFactor <= GuessingBound.target)
        #expect(bound.chanceWithSecondFactor < bound.chanceWithoutSecondFactor)
        #expect(bound.meetsTarget)
        // chance = 40 329 × 608 / 10^14 ≈ 2.5 × 10⁻⁷
        #expect(abs(bound.chanceWithoutSecondFactor - 40_329.0 * 608 / 1e14) < 1e-15)
        #expect(bound.shortestSafeCodeLength == 14)
    }

    @Test("the old 12-digit codes do not survive a one-minute wait; a faster throttle fails too")
    func weakSettingsFail() {
        let twelve = GuessingBound(codeLength: 12, holdDays: 28, throttle: .init(), secondFactorAttempts: 5)
        #expect(!twelve.meetsTarget)
        let short = GuessingBound(codeLength: 8, holdDays: 28, throttle: .init(), secondFactorAttempts: 5)
        #expect(short.shortestSafeCodeLength == 14)
        let fast = GuessingBound(codeLength: 14, holdDays: 28, throttle: .init(capacity: 5, refillSeconds: 1), secondFactorAttempts: 5)
        #expect(!fast.meetsTarget)
        #expect(fast.shortestSafeCodeLength > 14)
    }
}
