import ArgumentParser
import PipeSpec

/// Prints the stage graph as text, Graphviz dot or Mermaid.
struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the pipeline's stage graph.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, dot, mermaid
    }

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "text, dot (Graphviz) or mermaid.")
    var format: Format = .text

    func run() throws {
        let spec = try pipeline.load()
        print(DagRenderer.render(spec, as: format), terminator: "")
    }
}

/// Draws a spec's stages and `needs` edges in the formats `pipe dag` offers.
enum DagRenderer {
    static func render(_ spec: PipelineSpec, as format: Dag.Format) -> String {
        switch format {
        case .text:
            return spec.stages.map { stage in
                "\(stage.name) [\(stage.kind)]" + (stage.needs.isEmpty ? "" : " <- " + stage.needs.joined(separator: ", ")) + "\n"
            }.joined()
        case .dot:
            var out = "digraph \"\(spec.name)\" {\n  rankdir=LR;\n  node [shape=box];\n"
            for stage in spec.stages { out += "  \"\(stage.name)\" [label=\"\(stage.name)\\n\(stage.kind)\"];\n" }
            for stage in spec.stages {
                for need in stage.needs { out += "  \"\(need)\" -> \"\(stage.name)\";\n" }
            }
            return out + "}\n"
        case .mermaid:
            let id = Dictionary(uniqueKeysWithValues: spec.stages.enumerated().map { ($1.name, "s\($0)") })
            var out = "graph LR\n"
            for stage in spec.stages { out += "  \(id[stage.name]!)[\"\(stage.name)<br/>\(stage.kind)\"]\n" }
            for stage in spec.stages {
                for need in stage.needs { out += "  \(id[need]!) --> \(id[stage.name]!)\n" }
            }
            return out
        }
    }
}
