import CNN
import Foundation
import Models
import PipeBase

// Times pipe's forward pass (inference) or full training step of an ImageNet architecture on random
// input, in ms per image. Usage: model-bench ARCH [--mode forward|train] [--batch N] [--size N] [--reps N]
// Prints one line per repetition and `median ms/img`.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
    return arguments[i + 1]
}
guard arguments.count >= 2, let architecture = try? Architecture(name: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: model-bench ARCH [--mode forward|train] [--batch N] [--size N] [--reps N]\n".utf8))
    exit(2)
}
let mode = option("--mode", "forward")
let batch = Int(option("--batch", mode == "train" ? "8" : "16"))!
let size = Int(option("--size", String(architecture.defaultInputSize.height)))!
let reps = Int(option("--reps", "5"))!

let model = try Model(architecture: architecture, variant: .keras,
                      options: ModelOptions(includeTop: true, classes: 1000, inputHeight: size, inputWidth: size, seed: 1))
let input = Tensor(shape: [batch, size, size, 3])
var generator = SeededRandom(seed: 7)
for i in 0..<input.count { input.data[i] = generator.nextUniform() * 2 - 1 }
let labels = (0..<batch).map { Int32($0 % 1000) }
let loss = SoftmaxCrossEntropy()
let optimizer = SGD(momentum: 0.9)
let parameters = model.graph.parameters

@MainActor func step() throws {
    if mode == "train" {
        let logits = try model.graph.forward(input, mode: .training)
        _ = try loss.forward(logits: logits, labels: labels)
        model.graph.backward(loss.backward())
        optimizer.step(parameters, learningRate: 0.001)
    } else {
        _ = try model.graph.forward(input, mode: .inference)
    }
}

try step()  // warm-up: buffers and OpenBLAS threads
var times: [Double] = []
for rep in 1...reps {
    let start = Date()
    try step()
    let ms = Date().timeIntervalSince(start) * 1000 / Double(batch)
    times.append(ms)
    print(String(format: "rep %d: %.1f ms/img, %d tensors allocated so far", rep, ms, Tensor.allocationCount))
}
print(String(format: "median %.1f ms/img", times.sorted()[times.count / 2]))
if mode != "train" {
    let megabytes = { (bytes: Int) in Double(bytes) / 1_048_576 }
    print(String(format: "feature-map pool: %.0f MB held, %.0f MB lent at peak", megabytes(model.graph.pool.heldBytes),
                 megabytes(model.graph.pool.peakLiveBytes)))
}
