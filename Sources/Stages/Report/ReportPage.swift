import Foundation

/// Renders `ReportContent` as one self-contained HTML page: inline CSS and SVG, no scripts, no network.
public enum ReportPage {
    public static func render(_ content: ReportContent) -> String {
        var body = "<h1>\(HTML.escape(content.title))</h1>"
        body += protocolSection(content.evaluationProtocol)
        body += dataSection(content.data)
        if content.models.count > 1 { body += comparisonSection(content.models) }
        for model in content.models {
            body += trainingSection(model)
            body += resultsSection(model)
            if !model.heatmaps.isEmpty { body += heatmapSection(model) }
        }
        body += timelineSection(content.stages)
        body += provenanceSection(content)
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(content.title))</title>
            <style>\(style)</style></head><body>\(body)</body></html>

            """
    }

    static let style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#1f2328}\
        h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}\
        table{border-collapse:collapse;margin:8px 0;display:block;overflow-x:auto;max-width:100%}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:right}\
        th{background:#f6f8fa}caption{text-align:left;font-weight:600}.plots{display:flex;flex-wrap:wrap;gap:12px}\
        svg{width:420px;max-width:100%;height:auto;font-size:11px}svg .t{font-size:13px;font-weight:600}.ok{color:#1a7f37}.bad{color:#cf222e}\
        svg.timeline{width:480px}code{white-space:nowrap}#provenance td{text-align:left}\
        @media (max-width:700px){body{margin:12px 8px}}\
        .gallery{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;width:160px}figure img{width:160px;height:160px}\
        figcaption{font-size:11px;line-height:1.3;overflow-wrap:anywhere}
        """

    static func dataSection(_ data: ReportContent.DataSummary) -> String {
        var out = "<section id=\"data\"><h2>Data</h2>"
        if let images = data.ingestedImages { out += "<p>Ingest kept \(images) images.</p>" }
        if let noise = data.labelNoise { out += "<p>\(HTML.escape(noise))</p>" }
        out += skippedFiles(data.skippedFiles)
        if let balance = data.balance {
            let classes = Set(balance.before.keys).union(balance.after.keys).sorted()
            out += HTML.table(header: ["class", "before", "after"],
                              rows: classes.map { [$0, String(balance.before[$0] ?? 0), String(balance.after[$0] ?? 0)] },
                              caption: "Balance: \(balance.strategy)")
        } else {
            out += "<p>Balance: not recorded (no balance stage upstream, or its record did not reach the report).</p>"
        }
        if data.counts.isEmpty {
            out += "<p>Split: not recorded.</p>"
        } else {
            let splits = data.counts.keys.sorted { order($0) < order($1) }
            let classes = Set(data.counts.values.flatMap(\.keys)).sorted()
            let rows = splits.map { split in
                [split] + classes.map { String(data.counts[split]?[$0] ?? 0) } + [data.patients[split].map(String.init) ?? "-"]
            }
            out += HTML.table(header: ["split"] + classes + ["patients"], rows: rows, caption: "Split: images per class and patients")
        }
        switch data.patientsShared {
        case nil: out += "<p>Leakage check: not recorded.</p>"
        case let shared? where shared.isEmpty: out += "<p class=\"ok\">Leakage check passed: no patient appears in two splits.</p>"
        case let shared?: out += "<p class=\"bad\">Leakage: \(shared.count) patients appear in two splits: \(HTML.escape(shared.prefix(10).joined(separator: ", ")))</p>"
        }
        return out + "</section>"
    }

    /// The skipped-file table: the first ten, with the total.
    static func skippedFiles(_ files: [(path: String, reason: String)]?) -> String {
        guard let files else { return "<p>Skipped and corrupt files: not recorded.</p>" }
        guard !files.isEmpty else { return "<p>Ingest skipped no file: none was corrupt, unreadable or misnamed.</p>" }
        let shown = files.prefix(10)
        return HTML.table(header: ["skipped file", "reason"], rows: shown.map { [$0.path, $0.reason] },
                          caption: "\(files.count) files skipped by ingest" + (files.count > shown.count ? " (first \(shown.count) shown)" : ""))
    }

    /// The evaluation protocol in words; nothing when no sentence could be made.
    static func protocolSection(_ sentences: [String]) -> String {
        guard !sentences.isEmpty else { return "" }
        return "<section id=\"protocol\"><h2>Evaluation protocol</h2><ul>" + sentences.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul></section>"
    }

    /// The upstream stages on one time axis.
    static func timelineSection(_ stages: [ReportContent.StageRecord]) -> String {
        guard !stages.isEmpty else { return "" }
        return "<section id=\"timeline\"><h2>Stage timeline</h2><p>Each bar runs from when a stage started to when its result was "
            + "stored; results reused from earlier runs are drawn when they were made.</p><div>"
            + StageTimeline.render(stages) + "</div></section>"
    }

    /// The run's facts, then each stage's key, time and the pipe build that made it.
    static func provenanceSection(_ content: ReportContent) -> String {
        var out = "<section id=\"provenance\"><h2>Provenance</h2><div>"
            + HTML.table(header: ["item", "value"], rows: content.provenance.map { [$0.0, $0.1] }) + "</div>"
        if !content.stages.isEmpty {
            out += "<div><table class=\"stages\"><caption>Stages</caption><tr><th>stage</th><th>kind</th><th>key</th><th>time</th><th>pipe</th><th>build</th></tr>"
            for stage in content.stages {
                out += "<tr><td>\(HTML.escape(stage.name))</td><td>\(HTML.escape(stage.kind))</td><td><code>\(HTML.escape(stage.key))</code></td>"
                    + "<td>\(StageTimeline.duration(stage.seconds))</td><td>\(HTML.escape(stage.pipe ?? "not recorded"))</td>"
                    + "<td>\(HTML.escape(stage.build ?? "not recorded"))</td></tr>"
            }
            out += "</table></div>"
        }
        return out + "</section>"
    }

    /// Loss, accuracy, AUC and learning rate per epoch, train and validation, the best epoch marked.
    static func trainingPlots(_ model: ReportContent.Model) -> [SVGPlot] {
        let epochs = model.history.map { Double($0.epoch) }
        func curve(_ name: String, _ values: [Double]) -> SVGPlot.Series { .init(name: name, points: Array(zip(epochs, values)).map { (x: $0.0, y: $0.1) }) }
        var plots = [
            SVGPlot(title: "Loss", xLabel: "epoch", yLabel: "loss",
                    series: [curve("train", model.history.map(\.trainLoss)), curve("val", model.history.map(\.valLoss))]),
            SVGPlot(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy",
                    series: [curve("train", model.history.map(\.trainAccuracy)), curve("val", model.history.map(\.valAccuracy))]),
            SVGPlot(title: "AUC", xLabel: "epoch", yLabel: "ROC AUC",
                    series: [curve("train", model.history.map(\.trainAUC)), curve("val", model.history.map(\.valAUC))]),
            SVGPlot(title: "Learning rate", xLabel: "epoch", yLabel: "lr", series: [curve("lr", model.history.map(\.learningRate))]),
        ]
        let best = model.bestEpoch
        for index in plots.indices {
            plots[index].marker = best.map(Double.init)
            plots[index].wholeXTicks = true
        }
        return plots
    }

    static func trainingSection(_ model: ReportContent.Model) -> String {
        guard !model.history.isEmpty else { return "" }
        let heading = model.trainedBy.map { "Training: \($0) (evaluated by \(model.name))" } ?? "Training: the model \(model.name) scored"
        let note = model.bestEpoch.map { "<p class=\"best\" data-epoch=\"\($0)\">The dotted line marks epoch \($0), the best by \(HTML.escape(model.monitor!.name)).</p>" } ?? ""
        return "<section id=\"training-\(anchor(model.name))\" class=\"training\"><h2>\(HTML.escape(heading))</h2>\(note)<div class=\"plots\">"
            + trainingPlots(model).map { $0.render() }.joined() + "</div></section>"
    }

    static func resultsSection(_ model: ReportContent.Model) -> String {
        let rows = model.metrics.map { metric in
            [metric.name, String(format: "%.4f", metric.value),
             metric.interval.map { String(format: "%.4f – %.4f", $0.lowerBound, $0.upperBound) } ?? "-"]
        }
        var out = "<section id=\"results-\(anchor(model.name))\" class=\"results\"><h2>Results: \(HTML.escape(model.name))</h2>"
        out += HTML.table(header: ["metric", "value", "95% CI"], rows: rows)
        if let patient = model.patientRate {
            out += "<p>Patient-level recognition rate: <b>\(String(format: "%.4f", patient.rate))</b> over \(patient.patients) patients.</p>"
        }
        if let multiclass = model.multiclass { return out + multiclassResults(multiclass, model: model.name) + "</section>" }
        let counts = ConfusionCounts(labels: model.labels, probabilities: model.probabilities, threshold: model.threshold)
        out += HTML.confusionMatrix([[counts.tn, counts.fp], [counts.fn, counts.tp]], classes: model.classes)
        if model.labels.contains(0), model.labels.contains(1) {
            out += "<div class=\"plots\">" + curves(for: model).map { $0.render() }.joined() + "</div>"
        }
        return out + "</section>"
    }

    /// The per-class table, the N×N confusion matrix and one-vs-rest ROC curves of a model with more than two classes.
    static func multiclassResults(_ m: ReportContent.Multiclass, model: String) -> String {
        let rows = m.perClass.map { c in
            [c.name, String(format: "%.4f", c.precision), String(format: "%.4f", c.recall), String(format: "%.4f", c.f1), String(c.support),
             c.rocAUC.map { String(format: "%.4f", $0) } ?? "-"]
        }
        var out = HTML.table(header: ["class", "precision", "recall", "F1", "support", "ROC AUC (one vs rest)"], rows: rows, caption: "Per class")
        out += HTML.confusionMatrix(m.confusion, classes: m.classes)
        out += "<div class=\"plots\">" + multiclassROC(m).render() + "</div>"
        return out
    }

    /// One ROC curve per class, that class against all others, from its probability column.
    static func multiclassROC(_ m: ReportContent.Multiclass) -> SVGPlot {
        let series: [SVGPlot.Series] = m.classes.indices.compactMap { c in
            let labels = m.labels.map { $0 == c ? 1 : 0 }, scores = m.probabilities.map { $0[c] }
            guard let auc = RankingMetrics.rocAUC(labels: labels, scores: scores) else { return nil }
            return .init(name: "\(m.classes[c]) (\(String(format: "%.2f", auc)))",
                         points: RankingMetrics.rocPoints(labels: labels, scores: scores).map { (x: $0.fpr, y: $0.tpr) })
        }
        return SVGPlot(title: "ROC per class, one vs rest (AUC)", xLabel: "false positive rate", yLabel: "true positive rate",
                       series: series, xRange: 0...1, yRange: 0...1, reference: (0, 0, 1, 1))
    }

    static func curves(for model: ReportContent.Model) -> [SVGPlot] {
        let roc = RankingMetrics.rocPoints(labels: model.labels, scores: model.probabilities).map { (x: $0.fpr, y: $0.tpr) }
        let auc = RankingMetrics.rocAUC(labels: model.labels, scores: model.probabilities) ?? .nan
        let pr = RankingMetrics.precisionRecallPoints(labels: model.labels, scores: model.probabilities)
        let ap = RankingMetrics.averagePrecision(labels: model.labels, scores: model.probabilities) ?? .nan
        let bins = Calibration.bins(labels: model.labels, probabilities: model.probabilities)
        return [
            SVGPlot(title: String(format: "ROC (AUC %.3f)", auc), xLabel: "false positive rate", yLabel: "true positive rate",
                    series: [.init(name: model.name, points: roc)], xRange: 0...1, yRange: 0...1, reference: (0, 0, 1, 1)),
            SVGPlot(title: String(format: "Precision-recall (AP %.3f)", ap), xLabel: "recall", yLabel: "precision",
                    series: [.init(name: model.name, points: pr, steps: true)], xRange: 0...1, yRange: 0...1),
            SVGPlot(title: "Calibration", xLabel: "mean predicted probability", yLabel: "observed \(model.classes.last ?? "positive") rate",
                    series: [.init(name: model.name, points: bins.map { (x: $0.meanProbability, y: $0.observedRate) })],
                    xRange: 0...1, yRange: 0...1, reference: (0, 0, 1, 1)),
        ]
    }

    static func comparisonSection(_ models: [ReportContent.Model]) -> String {
        let names = models.first?.metrics.map(\.name) ?? []
        let rows = models.map { model in
            [model.name] + names.map { name in
                guard let metric = model.metrics.first(where: { $0.name == name }) else { return "-" }
                return String(format: "%.3f", metric.value) + (metric.interval.map { String(format: " (%.3f–%.3f)", $0.lowerBound, $0.upperBound) } ?? "")
            }
        }
        let table = "<section id=\"comparison\"><h2>Comparison</h2>" + HTML.table(header: ["model"] + names, rows: rows)
        guard models.allSatisfy({ $0.multiclass == nil }) else { return table + "</section>" }
        let roc = SVGPlot(title: "ROC, all models", xLabel: "false positive rate", yLabel: "true positive rate",
                          series: models.map { model in
                              .init(name: model.name, points: RankingMetrics.rocPoints(labels: model.labels, scores: model.probabilities).map { (x: $0.fpr, y: $0.tpr) })
                          }, xRange: 0...1, yRange: 0...1, reference: (0, 0, 1, 1))
        return table + roc.render() + "</section>"
    }

    static func heatmapSection(_ model: ReportContent.Model) -> String {
        "<section id=\"gradcam-\(anchor(model.name))\" class=\"gradcam\"><h2>Grad-CAM: \(HTML.escape(model.name))</h2>"
            + "<p>Where the last feature map supports the class each image was given (red strongest); blue everywhere "
            + "means nothing in the image speaks for that class.</p><div class=\"gallery\">"
            + model.heatmaps.map { "<figure><img alt=\"\(HTML.escape($0.caption))\" src=\"data:image/png;base64,\($0.pngBase64)\"><figcaption>\(HTML.escape($0.caption))</figcaption></figure>" }.joined()
            + "</div>" + (model.heatmapNote.map { "<p>\(HTML.escape($0))</p>" } ?? "") + "</section>"
    }

    private static func order(_ split: String) -> Int { ["train": 0, "val": 1, "test": 2][split] ?? 3 }

    private static func anchor(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}
