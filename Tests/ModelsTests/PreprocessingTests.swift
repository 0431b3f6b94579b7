import CNN
import XCTest
@testable import Models

/// `Preprocessing` reproduces Keras `preprocess_input` in its three modes.
final class PreprocessingTests: XCTestCase {
    func testModesMatchKerasPreprocessInput() {
        let fixture = ModelsFixture.object("preprocessing")
        let (_, bytes) = ModelsFixture.images(fixture["images"]!)
        for mode in [Preprocessing.torch, .caffe, .tf] {
            var output = [Float](repeating: 0, count: bytes.count)
            mode.apply(rgb: bytes, into: &output)
            assertClose(output, ModelsFixture.tensor(fixture[mode.rawValue]!).values, tolerance: 2e-5, mode.rawValue)
        }
    }

    func testBatchStacksPreprocessedImages() {
        let images: [[UInt8]] = [[0, 127, 255, 255, 0, 0], [10, 20, 30, 40, 50, 60]]
        let batch = Preprocessing.tf.batch(rgb: images, height: 1, width: 2)
        XCTAssertEqual(batch.shape, [2, 1, 2, 3])
        XCTAssertEqual(batch.array, images.flatMap { $0.map { Float($0) / 127.5 - 1 } })
    }
}
