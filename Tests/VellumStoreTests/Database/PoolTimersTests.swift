import PostgresNIO
import Testing
import VellumStore

/// PostgresNIO's pool arms a timer every time a query gives its connection back, and a cancelled
/// one stays pending until its deadline: with the default idle timeout of a minute, a faster hour
/// took the server's peak RSS past 150 MiB (157–171 MiB; 106 MiB with ten seconds).
@Suite("The serving pools' timers")
struct PoolTimersTests {
    @Test func servingPoolsRunNoKeepAliveQueryAndCloseIdleConnectionsSoon() {
        let configuration = PostgresClient.Configuration(host: "localhost", username: "u", password: nil, database: "d", tls: .disable)
        #expect(configuration.options.connectionIdleTimeout == .seconds(60), "PostgresNIO's default changed")
        for pool in [configuration.withFewPoolTimers, BatchingAppender.poolConfiguration(from: configuration)] {
            #expect(pool.options.keepAliveBehavior == nil)
            #expect(pool.options.connectionIdleTimeout == .seconds(10))
        }
    }
}
