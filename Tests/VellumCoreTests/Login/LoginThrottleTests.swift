import Testing
import VellumCore

@Suite("Login throttling with exponential back-off")
struct LoginThrottleTests {
    let throttle = LoginThrottle(threshold: 5)

    @Test func attemptsWaitDoublingAfterTheThreshold() {
        let last = Fixtures.now
        #expect(throttle.wait(after: nil, now: last) == nil)
        #expect(throttle.wait(after: .init(count: 4, last: last), now: last) == nil)
        #expect(throttle.wait(after: .init(count: 5, last: last), now: last) == 1)
        #expect(throttle.wait(after: .init(count: 7, last: last), now: last) == 4)
        #expect(throttle.wait(after: .init(count: 7, last: last), now: last.adding(seconds: 3)) == 1)
        #expect(throttle.wait(after: .init(count: 7, last: last), now: last.adding(seconds: 4)) == nil)
        #expect(throttle.wait(after: .init(count: 40, last: last), now: last) == 900, "capped")
    }

    @Test func aRunEndsAfterTheWindow() {
        let last = Fixtures.now
        #expect(throttle.wait(after: .init(count: 30, last: last), now: last.adding(seconds: LoginThrottle.window)) == nil)
    }

    @Test func accountsAreKeyedAsTypedWithoutCase() {
        #expect(LoginThrottle.accountKey("Alice") == LoginThrottle.accountKey("alice"))
        #expect(LoginThrottle.accountKey("alice") != LoginThrottle.addressKey("alice"))
    }
}
