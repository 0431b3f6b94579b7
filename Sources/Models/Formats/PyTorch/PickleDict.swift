/// A Python dict (or OrderedDict) keeping insertion order, shared by reference.
final class PickleDict {
    /// How deeply values nest inside it, counting itself (`PickleMachine` keeps it up to date).
    var depth = 1
    /// Set once it is an item of another value, after which it may not change (its holders' depths would be stale).
    var sealed = false
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var stringIndex: [String: Int] = [:]

    /// Sets `key` to `value`; a repeated string key replaces the earlier value in place, as Python does.
    func set(_ key: PickleValue, _ value: PickleValue) {
        if let name = key.stringValue, let index = stringIndex[name] {
            values[index] = value
            return
        }
        if let name = key.stringValue { stringIndex[name] = keys.count }
        keys.append(key)
        values.append(value)
    }

    subscript(name: String) -> PickleValue? { stringIndex[name].map { values[$0] } }
}
