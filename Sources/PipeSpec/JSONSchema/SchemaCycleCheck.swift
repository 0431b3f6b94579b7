/// Rejects schemas that apply themselves to the same value forever, such as `{"$ref": "#"}`.
///
/// Only in-place applicators count: a cycle through `properties` or `items` descends into the
/// instance on every round, so it ends.
struct SchemaCycleCheck {
    let nodes: [SchemaNode]
    /// Where each node's schema sits (`document#pointer`), for the error.
    let locations: [String]

    func check(_ newNodes: [Int]) throws {
        let fresh = Set(newNodes)
        var state = [Int: Bool]()  // false = on the current path, true = done
        for start in newNodes where state[start] == nil {
            var stack: [(node: Int, next: [Int])] = [(start, inPlace(start))]
            state[start] = false
            while let top = stack.last {
                guard let child = top.next.last else {
                    state[top.node] = true
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next.removeLast()
                guard fresh.contains(child) else { continue }
                switch state[child] {
                case false?:
                    throw SchemaError(location: locations[child],
                                      message: "this schema applies itself to the same value again (through $ref or an in-place applicator), so validation would never end")
                case true?:
                    continue
                case nil:
                    state[child] = false
                    stack.append((child, inPlace(child)))
                }
            }
        }
    }

    private func inPlace(_ id: Int) -> [Int] {
        guard case .keywords(let keywords) = nodes[id].body else { return [] }
        return keywords.flatMap { keyword -> [Int] in
            switch keyword {
            case .allOf(let list), .anyOf(let list), .oneOf(let list): list
            case .not(let schema), .ref(let schema), .dynamicRef(let schema, _): [schema]
            case .conditional(let condition, let then, let otherwise): [condition] + [then, otherwise].compactMap { $0 }
            case .dependentSchemas(let rules): rules.map(\.schema)
            default: []
            }
        }
    }
}
