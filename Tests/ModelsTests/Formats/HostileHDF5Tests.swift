import CHDF5
import Foundation
import XCTest
@testable import Models

/// HDF5 files whose datasets claim more values than the file could hold are refused before any allocation.
final class HostileHDF5Tests: XCTestCase {
    /// Writes an HDF5 file with one chunked float dataset `/d` of `dims` and no chunk written: a few KB on disk
    /// that HDF5 would read back as `dims` zeros.
    private func sparseFile(_ dims: [hsize_t]) throws -> String {
        let path = try temporaryDirectory(self).appendingPathComponent("sparse.h5").path
        let file = H5Fcreate(path, chdf5_acc_trunc(), chdf5_default(), chdf5_default())
        XCTAssertGreaterThanOrEqual(file, 0)
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        let properties = chdf5_dataset_create()
        var chunk = [hsize_t](repeating: 1, count: dims.count)
        chunk[dims.count - 1] = min(dims[dims.count - 1], 1024)
        H5Pset_chunk(properties, Int32(dims.count), chunk)
        let dataset = H5Dcreate2(file, "d", chdf5_ieee_f32le(), space, chdf5_default(), properties, chdf5_default())
        XCTAssertGreaterThanOrEqual(dataset, 0)
        H5Dclose(dataset)
        H5Pclose(properties)
        H5Sclose(space)
        H5Fclose(file)
        return path
    }

    func testADatasetClaimingTerabytesIsRefusedWithoutAllocating() throws {
        let path = try sparseFile([1 << 20, 1 << 20])
        XCTAssertLessThan(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int), 100_000)
        XCTAssertThrowsError(try HDF5File.read(path: path) { try $0.floats("/d") }) { error in
            XCTAssertEqual("\(error)", "\(ModelError.unreadableWeights(path: path, reason: "dataset '/d' claims shape [1048576, 1048576], more values than the file can hold"))")
        }
    }

    func testASmallSparseDatasetStillReadsAsZeros() throws {
        let path = try sparseFile([3, 5])
        let array = try HDF5File.read(path: path) { try $0.floats("/d") }
        XCTAssertEqual(array, WeightArray(shape: [3, 5], values: [Float](repeating: 0, count: 15)))
    }

    func testACompactDatasetWithoutItsDataIsAnErrorNotACrash() throws {
        // Found by `make fuzz`: HDF5 1.10 copied from a null buffer (SIGSEGV) for this mutated Keras file.
        let path = ModelsFixture.directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/keras/regression-compact-without-data.hdf5").path
        XCTAssertThrowsError(try WeightLoader.inspect(path: path)) { error in
            XCTAssertTrue("\(error)".hasSuffix("stores 0 bytes, but its shape [3, 3, 8, 4] needs 1152: the file is damaged"), "\(error)")
        }
    }
}
