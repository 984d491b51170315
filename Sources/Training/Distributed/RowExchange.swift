import NumCore
import Collectives

/// Moves item rows and their gradients between the ranks of a distributed run by all-to-all.
///
/// ``fetch(_:)`` brings the current value of every item row a step needs from the rank that
/// holds it (each distinct id once); ``push(_:)`` sends each virtual shard's item-row
/// gradients to the holders, which add them in virtual-shard order (0..<V), so a row's
/// gradient is the same sum whatever the number of ranks. Bytes leaving this rank (messages
/// to itself excluded) are counted in ``bytesSent``.
final class RowExchange {
    let comm: any Communicator
    let table: ShardedEmbeddingTable
    private var shards: VirtualShards { table.shards }
    /// Bytes this rank has sent to other ranks since it was created.
    private(set) var bytesSent = 0
    /// Per item id, its row in ``fetched`` (-1: not fetched this step).
    private var slot: [Int32]
    private var fetchedIDs: [Int32] = []
    /// The rows fetched by the last ``fetch(_:)``, one per distinct id.
    private(set) var fetched = Matrix(rows: 0, cols: 1)

    init(comm: any Communicator, table: ShardedEmbeddingTable) {
        self.comm = comm
        self.table = table
        slot = [Int32](repeating: -1, count: table.vocabulary)
    }

    /// The fetched value of item `id` (fetched by the last ``fetch(_:)``).
    @inline(__always) func row(_ id: Int32) -> UnsafeMutablePointer<Float> {
        fetched.row(Int(slot[Int(id)]))
    }

    /// Fetches the current rows of `ids` (repeats allowed) from their holders.
    func fetch(_ ids: [Int32]) {
        for id in fetchedIDs { slot[Int(id)] = -1 }
        fetchedIDs.removeAll(keepingCapacity: true)
        var requests = [[Int32]](repeating: [], count: comm.size)
        for id in ids where slot[Int(id)] < 0 {
            slot[Int(id)] = 0
            requests[shards.owner(of: id)].append(id)
        }
        count(requests, bytesPer: 4)
        let asked = comm.allToAllv(requests)
        let d = table.dim
        var replies = [[Float]]()
        replies.reserveCapacity(comm.size)
        for list in asked {
            var out = [Float](repeating: 0, count: list.count * d)
            out.withUnsafeMutableBufferPointer { buf in
                for (k, id) in list.enumerated() { (buf.baseAddress! + k * d).update(from: table.row(id), count: d) }
            }
            replies.append(out)
        }
        count(replies, bytesPer: 4)
        let answers = comm.allToAllv(replies)
        fetched = Matrix(uninitializedRows: max(1, requests.reduce(0) { $0 + $1.count }), cols: d)
        var n = 0
        for r in 0..<comm.size {
            answers[r].withUnsafeBufferPointer { buf in
                for (k, id) in requests[r].enumerated() {
                    slot[Int(id)] = Int32(n)
                    fetched.row(n).update(from: buf.baseAddress! + k * d, count: d)
                    fetchedIDs.append(id)
                    n += 1
                }
            }
        }
    }

    /// The item-row gradients of one virtual shard's sub-batch: distinct ids and their rows.
    struct ShardGradients {
        var shard: Int
        var ids: [Int32]
        /// `ids.count x dim` floats, row k the gradient of `ids[k]`.
        var values: [Float]
    }

    /// Sends every owned shard's item gradients to the rows' holders and adds those received
    /// into this rank's table, virtual shard by virtual shard in order 0..<V.
    func push(_ gradients: [ShardGradients]) {
        let d = table.dim, R = comm.size
        // Per destination: [shard, k, id_1 ... id_k]* and the k rows of each section.
        var headers = [[Int32]](repeating: [], count: R), rows = [[Float]](repeating: [], count: R)
        for g in gradients {
            var picks = [[Int]](repeating: [], count: R)
            for (k, id) in g.ids.enumerated() { picks[shards.owner(of: id)].append(k) }
            for r in 0..<R where !picks[r].isEmpty {
                headers[r].append(Int32(g.shard))
                headers[r].append(Int32(picks[r].count))
                for k in picks[r] {
                    headers[r].append(g.ids[k])
                    rows[r].append(contentsOf: g.values[(k * d)..<((k + 1) * d)])
                }
            }
        }
        count(headers, bytesPer: 4)
        count(rows, bytesPer: 4)
        let gotHeaders = comm.allToAllv(headers), gotRows = comm.allToAllv(rows)
        // Index the sections by source shard; shard v comes from rank v % R only.
        var sections = [(rank: Int, header: Int, row: Int, count: Int)?](repeating: nil, count: shards.count)
        for r in 0..<R {
            var h = 0, row = 0
            let hs = gotHeaders[r]
            while h < hs.count {
                let v = Int(hs[h]), k = Int(hs[h + 1])
                sections[v] = (r, h + 2, row, k)
                h += 2 + k
                row += k
            }
        }
        for case let s? in sections {
            let hs = gotHeaders[s.rank]
            gotRows[s.rank].withUnsafeBufferPointer { buf in
                for k in 0..<s.count { table.addGradient(hs[s.header + k], buf.baseAddress! + (s.row + k) * d) }
            }
        }
    }

    private func count<T>(_ messages: [[T]], bytesPer: Int) {
        for (r, m) in messages.enumerated() where r != comm.rank { bytesSent += m.count * bytesPer }
    }
}
