import PipeSpec

/// Typed reads of a stage's resolved `with` block; the schema has already checked the types.
struct StageParameters {
    let with: JSONValue

    init(_ stage: StageSpec) { with = stage.with }

    func string(_ key: String) -> String? { with[key]?.stringValue }
    func int(_ key: String) -> Int? { with[key]?.intValue }
    func double(_ key: String) -> Double? { with[key]?.numberValue }
    func bool(_ key: String) -> Bool? { with[key]?.boolValue }
    func ints(_ key: String) -> [Int]? { with[key]?.arrayValue?.compactMap(\.intValue) }
}
