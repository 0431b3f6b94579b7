import CNN
import XCTest
@testable import Models

/// The layout conversions between PyTorch's OIHW / `[out, in]` arrays and pipe's HWIO / `[in, out]` tensors.
final class WeightSlotTests: XCTestCase {
    func testTorchConvolutionIsTransposedToHWIO() {
        let target = Tensor(shape: [2, 3, 4, 5])  // KH, KW, I, O
        let slot = WeightSlot(key: "w", layout: .torchConv, target: target)
        XCTAssertEqual(slot.sourceShape, [5, 4, 2, 3])
        let source = (0..<120).map(Float.init)
        slot.assign(source)
        // source[o][i][y][x] lands at target[y][x][i][o].
        let (o, i, y, x) = (3, 2, 1, 2)
        XCTAssertEqual(target.data[((y * 3 + x) * 4 + i) * 5 + o], source[((o * 4 + i) * 2 + y) * 3 + x])
        XCTAssertEqual(slot.exportValues(), source)
    }

    func testTorchLinearAfterNCHWFlattenIsReorderedForNHWCFlatten() {
        let (c, h, w, outputs) = (3, 2, 2, 2)
        let target = Tensor(shape: [h * w * c, outputs])
        let slot = WeightSlot(key: "fc", layout: .torchLinearAfterFlatten(channels: c, height: h, width: w), target: target)
        XCTAssertEqual(slot.sourceShape, [outputs, c * h * w])
        let weights = (0..<(outputs * c * h * w)).map { Float($0) * 0.5 - 3 }
        slot.assign(weights)
        let map = (0..<(h * w * c)).map { Float($0 % 5) - 2 }  // an NHWC feature map, one image
        for o in 0..<outputs {
            var torch: Float = 0, ours: Float = 0
            for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                torch += weights[o * c * h * w + (ch * h + y) * w + x] * map[(y * w + x) * c + ch]
            } } }
            for row in 0..<(h * w * c) { ours += target.data[row * outputs + o] * map[row] }
            XCTAssertEqual(ours, torch, accuracy: 1e-5)
        }
        XCTAssertEqual(slot.exportValues(), weights)
    }
}
