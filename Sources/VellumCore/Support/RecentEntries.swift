/// A map that keeps the entries written most recently: at most `capacity`, in two generations of
/// half as many. When the current generation is full it becomes the previous one and the one
/// before it is forgotten, so at least the last `capacity / 2` entries written are always kept.
/// Forgetting everything when full, as the process's caches did, dropped exactly the entries about
/// to be asked for: the codes issued a moment ago, the streams written in the last batch.
/// Not synchronised: the caches that use it hold it under a lock.
public struct RecentEntries<Key: Hashable, Value> {
    private var current: [Key: Value] = [:]
    private var previous: [Key: Value] = [:]
    /// The most entries a generation holds: half the capacity.
    private let generation: Int

    /// A map of at most `capacity` entries.
    public init(capacity: Int) {
        precondition(capacity > 1, "a capacity of at least two entries")
        generation = capacity / 2
    }

    /// The entry of `key`; one found in the previous generation moves to the current one, so an
    /// entry in use outlives the generation it was written in.
    public mutating func value(for key: Key) -> Value? {
        if let value = current[key] { return value }
        guard let value = previous.removeValue(forKey: key) else { return nil }
        keep(value, for: key)
        return value
    }

    /// The entry of `key` without moving it (for reads that must not change what is kept).
    public func peek(_ key: Key) -> Value? {
        current[key] ?? previous[key]
    }

    public mutating func keep(_ value: Value, for key: Key) {
        if current[key] == nil, current.count >= generation {
            previous = current
            current = Dictionary(minimumCapacity: generation)
        }
        previous[key] = nil
        current[key] = value
    }

    public mutating func forget(_ key: Key) {
        current[key] = nil
        previous[key] = nil
    }

    /// How many entries are kept: at most the capacity.
    public var count: Int { current.count + previous.count }
}

extension RecentEntries: Sendable where Key: Sendable, Value: Sendable {}
