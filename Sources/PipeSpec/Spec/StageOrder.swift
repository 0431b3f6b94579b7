/// Orders stages so each follows what it needs, and names the cycles that make that impossible.
enum StageOrder {
    /// A cycle as the stage names along `needs` edges, the first name repeated at the end: `a -> b -> a`.
    struct Cycle: Equatable {
        var names: [String]
        var description: String { names.joined(separator: " -> ") }
    }

    /// A depth-first order that keeps file order wherever dependencies allow, plus every cycle met.
    static func sort(_ names: [String], needs: [String: [String]]) -> (order: [String], cycles: [Cycle]) {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        var order: [String] = []
        var cycles: [Cycle] = []
        var cycleMembers = Set<Set<String>>()

        func visit(_ name: String) {
            marks[name] = .visiting
            stack.append(name)
            for need in needs[name] ?? [] {
                switch marks[need] {
                case .visiting:
                    let start = stack.lastIndex(of: need)!
                    let loop = Array(stack[start...])
                    if cycleMembers.insert(Set(loop)).inserted { cycles.append(Cycle(names: loop + [need])) }
                case .done: break
                case nil: visit(need)
                }
            }
            stack.removeLast()
            marks[name] = .done
            order.append(name)
        }

        for name in names where marks[name] == nil { visit(name) }
        return (order, cycles)
    }
}
