import Foundation
import PipeEngine
import PipeSpec

/// Renders several recorded runs on one self-contained page: a table, overlaid ROC and PR curves, training curves and a section per run.
public enum RunComparisonPage {
    /// What the page shows of one run, gathered by the caller from the run history and the store.
    public struct Run: Sendable {
        public var id: String
        public var started: String
        public var overrides: [String]
        /// The params that differ between the compared runs, path to value.
        public var params: [(String, String)]
        /// Headline metrics: name (with its stage when several record some), value and 95% interval.
        public var metrics: [(name: String, value: Double, interval: [Double]?)]
        public var stages: [(name: String, status: String, key: String?, stored: Bool)]
        /// Each evaluate stage of the run with its output folder; nil when gc removed the result.
        public var evaluations: [(stage: String, folder: URL?)]
        /// The stored records of the run's stages still in the store, by stage name: which fine-tune trained each model.
        public var lineage: [String: ArtifactMeta] = [:]

        public init(id: String, started: String, overrides: [String], params: [(String, String)],
                    metrics: [(name: String, value: Double, interval: [Double]?)],
                    stages: [(name: String, status: String, key: String?, stored: Bool)], evaluations: [(stage: String, folder: URL?)]) {
            self.id = id
            self.started = started
            self.overrides = overrides
            self.params = params
            self.metrics = metrics
            self.stages = stages
            self.evaluations = evaluations
        }

        /// The legend name: the id, then the differing params.
        var label: String { ([id] + params.map { "\($0.0)=\($0.1)" }).joined(separator: " ") }
    }

    public static func render(title: String, runs: [Run]) -> String {
        let models = runs.map { run in
            run.evaluations.map { evaluation -> (stage: String, model: ReportContent.Model?) in
                guard let folder = evaluation.folder,
                      let metrics = try? JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("metrics.json"))) else { return (evaluation.stage, nil) }
                guard var model = try? ReportStage().model(named: evaluation.stage, folder: folder, metrics: metrics, gradcamImages: 0) else {
                    return (evaluation.stage, nil)
                }
                ReportStage.attachTraining(&model, evaluate: evaluation.stage, EvaluationProtocol(lineage: run.lineage))
                return (evaluation.stage, model)
            }
        }
        var body = "<h1>\(HTML.escape(title))</h1>" + table(runs) + curves(runs, models) + training(runs, models)
        for (run, evaluated) in zip(runs, models) { body += runSection(run, evaluated) }
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>
            <style>\(ReportPage.style)</style></head><body>\(body)</body></html>

            """
    }

    static func table(_ runs: [Run]) -> String {
        let params = unique(runs.flatMap { $0.params.map(\.0) })
        let metrics = unique(runs.flatMap { $0.metrics.map(\.name) })
        let stages = unique(runs.flatMap { $0.stages.map(\.name) })
        let rows = runs.map { run in
            [run.id, run.started] + params.map { name in run.params.first { $0.0 == name }?.1 ?? "-" }
                + metrics.map { name in
                    guard let metric = run.metrics.first(where: { $0.name == name }) else { return "-" }
                    return String(format: "%.4f", metric.value) + (metric.interval.map { String(format: " (%.4f–%.4f)", $0[0], $0[1]) } ?? "")
                }
                + stages.map { name in run.stages.first { $0.name == name }?.status ?? "-" }
        }
        return "<section id=\"comparison\"><h2>Runs</h2>"
            + HTML.table(header: ["run", "time"] + params + metrics.map { "\($0) (95% CI)" } + stages, rows: rows) + "</section>"
    }

    static func curves(_ runs: [Run], _ models: [[(stage: String, model: ReportContent.Model?)]]) -> String {
        var roc: [SVGPlot.Series] = [], pr: [SVGPlot.Series] = []
        for (run, evaluated) in zip(runs, models) {
            for (stage, model) in evaluated {
                guard let model, model.multiclass == nil, model.labels.contains(0), model.labels.contains(1) else { continue }
                let name = run.evaluations.count > 1 ? "\(run.label) \(stage)" : run.label
                roc.append(.init(name: name, points: RankingMetrics.rocPoints(labels: model.labels, scores: model.probabilities).map { (x: $0.fpr, y: $0.tpr) }))
                pr.append(.init(name: name, points: RankingMetrics.precisionRecallPoints(labels: model.labels, scores: model.probabilities), steps: true))
            }
        }
        guard !roc.isEmpty else { return "<section id=\"curves\"><h2>ROC and precision-recall</h2><p>No run has a stored two-class evaluate result to draw.</p></section>" }
        let plots = [
            SVGPlot(title: "ROC", xLabel: "false positive rate", yLabel: "true positive rate", series: roc,
                    xRange: 0...1, yRange: 0...1, reference: (0, 0, 1, 1)),
            SVGPlot(title: "Precision-recall", xLabel: "recall", yLabel: "precision", series: pr, xRange: 0...1, yRange: 0...1),
        ]
        return "<section id=\"curves\"><h2>ROC and precision-recall</h2><div class=\"plots\">" + plots.map { $0.render() }.joined() + "</div></section>"
    }

    /// Loss, accuracy and learning rate per epoch, one plot each per run, the epoch fine-tune kept marked.
    static func training(_ runs: [Run], _ models: [[(stage: String, model: ReportContent.Model?)]]) -> String {
        var out = ""
        for (run, evaluated) in zip(runs, models) {
            for case let (_, model?) in evaluated where !model.history.isEmpty {
                let plots = ReportPage.trainingPlots(model).filter { $0.title != "AUC" }.map { plot in
                    var titled = plot
                    titled.title = "\(plot.title), \(run.id)"
                    return titled.render()
                }
                let note = model.bestEpoch.map { "<p class=\"best\" data-epoch=\"\($0)\">The dotted line marks epoch \($0), the best by \(HTML.escape(model.monitor!.name)).</p>" } ?? ""
                out += "<div class=\"run-training\"><h3>\(HTML.escape(run.label)): \(HTML.escape(model.trainedBy ?? model.name))</h3>\(note)<div class=\"plots\">" + plots.joined() + "</div></div>"
            }
        }
        return out.isEmpty ? "" : "<section id=\"training\"><h2>Training curves</h2>\(out)</section>"
    }

    static func runSection(_ run: Run, _ evaluated: [(stage: String, model: ReportContent.Model?)]) -> String {
        var out = "<section id=\"run-\(HTML.escape(run.id))\" class=\"run\"><h2>Run \(HTML.escape(run.id))</h2><p>Started \(HTML.escape(run.started)); "
            + (run.overrides.isEmpty ? "no overrides" : "overrides: " + run.overrides.map { "<code>--set \(HTML.escape($0))</code>" }.joined(separator: " ")) + ".</p>"
        for (stage, model) in evaluated where model == nil {
            out += "<p class=\"bad\">The result of \(HTML.escape(stage)) was removed by pipe gc (or cannot be read); its curves are not drawn, its recorded metrics stay in the table.</p>"
        }
        out += "<table class=\"stages\"><tr><th>stage</th><th>status</th><th>key</th></tr>"
        for stage in run.stages {
            let key = stage.key.map { "<code>\(HTML.escape(String($0.prefix(16))))</code>" + (stage.stored ? "" : " (removed by gc)") } ?? "-"
            out += "<tr><td>\(HTML.escape(stage.name))</td><td>\(HTML.escape(stage.status))</td><td>\(key)</td></tr>"
        }
        return out + "</table></section>"
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen: [String] = []
        for name in names where !seen.contains(name) { seen.append(name) }
        return seen
    }
}
