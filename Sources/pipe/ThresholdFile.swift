import ArgumentParser
import Foundation
import PipeSpec

/// The decision threshold an evaluate stage chose, read from its `metrics.json`.
enum ThresholdFile {
    /// Reads `threshold` from `EVALUATE_DIR/metrics.json` (or from the named .json file).
    static func read(_ location: String, option: String = "--threshold-from") throws -> Double {
        let path = location.hasSuffix(".json") ? location : (location as NSString).appendingPathComponent("metrics.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(option): cannot read \(path); give an evaluate stage's output folder (see `pipe outputs`)")
        }
        guard let value = (try? JSONValue.parse(data))?["threshold"]?.numberValue, (0...1).contains(value) else {
            throw ValidationError("\(option): \(path) has no `threshold` between 0 and 1; is it an evaluate stage's metrics.json?")
        }
        return value
    }
}
