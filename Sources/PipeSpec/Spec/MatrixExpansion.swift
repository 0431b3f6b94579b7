/// The combinations a stage's `matrix` expands into, and the stage names they get.
struct MatrixExpansion {
    /// Axis names in the order the file declares them.
    let axes: [String]
    let values: [String: [JSONValue]]

    /// Every combination, the first axis varying slowest.
    var combinations: [[String: JSONValue]] {
        axes.reduce([[:]]) { partial, axis in
            partial.flatMap { combo in
                (values[axis] ?? []).map { value in combo.merging([axis: value]) { $1 } }
            }
        }
    }

    /// `train@densenet201-0.001`: the declared name, then each axis value in axis order.
    func stageName(declared: String, combination: [String: JSONValue]) -> String {
        declared + "@" + axes.map { Self.text(of: combination[$0] ?? .null) }.joined(separator: "-")
    }

    /// A combination as `arch=vgg19, lr=0.001`, for messages.
    func describe(_ combination: [String: JSONValue]) -> String {
        axes.map { "\($0)=\((combination[$0] ?? .null).canonicalText)" }.joined(separator: ", ")
    }

    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): JSONValue.numberText(n)
        case .bool(let b): b ? "true" : "false"
        default: value.canonicalText
        }
    }
}
