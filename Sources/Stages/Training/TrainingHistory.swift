import Foundation

/// One row per epoch of a fine-tune run, written as `history.csv`.
struct TrainingHistory {
    struct Row {
        var epoch: Int
        var trainLoss, valLoss, trainAccuracy, valAccuracy, trainAUC, valAUC, learningRate, seconds: Double
    }

    var rows: [Row] = []

    static let header = "epoch,train_loss,val_loss,train_accuracy,val_accuracy,train_auc,val_auc,lr,seconds"

    func write(to url: URL) throws {
        var text = Self.header + "\n"
        for r in rows {
            text += "\(r.epoch)," + [r.trainLoss, r.valLoss, r.trainAccuracy, r.valAccuracy, r.trainAUC, r.valAUC, r.learningRate, r.seconds]
                .map { String(format: "%.6g", $0) }.joined(separator: ",") + "\n"
        }
        do {
            try Data(text.utf8).write(to: url)
        } catch {
            throw StageError.cannotWrite(url.path)
        }
    }
}
