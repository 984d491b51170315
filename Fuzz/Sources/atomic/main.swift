// Fuzzes the RecBole atomic-file reader (`AtomicTable`: `.item`, `.kg`, `.link`, `.user`) and
// what reads its tables: the MovieLens item texts and the structured modality's attribute and
// knowledge-graph tokens.
//
// Input: one option byte (bit 0 split token fields on spaces), then table A, a zero byte,
// table B. A is read whole, with only its first field, and header-only from a file (which must
// agree); A is the `.item` of the texts and attribute tokens and the `.kg` of the graph
// tokens, with B as the `.link`.
import Datasets
import Foundation
import FuzzSupport
import Semantic

let allowed: (Error) -> Bool = { $0 is DataError || $0 is SemanticError }

let target = FuzzTarget(name: "atomic", seeds: seeds) { input in
    let flags = input.byte()
    let files = input.parts(2)
    let tableA: AtomicTable
    do { tableA = try AtomicTable.parse(bytes: files[0], file: "a.item") } catch {
        require(allowed(error), "a.item: unexpected error \(type(of: error)): \(error)")
        return
    }
    // The header read from a file on its own gives the same fields.
    let url = Scratch.write(files[0], "a.item", in: Scratch.root)
    expectErrors("a.item header", allowed: allowed) {
        let fields = try AtomicTable.readHeader(path: url.path)
        require(fields == tableA.fields, "readHeader gives \(fields), parse \(tableA.fields)")
    }
    if let first = tableA.fields.first {
        expectErrors("a.item only \(first.name)", allowed: allowed) {
            let only = try AtomicTable.parse(bytes: files[0], file: "a.item", only: [first.name])
            require(only.rowCount == tableA.rowCount, "\(only.rowCount) rows reading one field, \(tableA.rowCount) reading all")
        }
    }
    let ids = (tableA.tokens("item_id") ?? []).prefix(50)
    let items = IDMap(["1", "2", "x"] + ids)
    expectErrors("item texts", allowed: allowed) { _ = try MovieLensItemText.texts(of: tableA) }
    expectErrors("attribute tokens", allowed: allowed) {
        let fields = tableA.fields.map { StructuredFeatures.Field($0.name, splitOnSpaces: flags & 1 != 0) }
        let (tokens, _) = try StructuredFeatures.attributeTokens(table: tableA, fields: fields, items: items)
        require(tokens.count == items.count, "\(tokens.count) token lists for \(items.count) items")
    }
    expectErrors("kg tokens", allowed: allowed) {
        let link = try AtomicTable.parse(bytes: files.count > 1 ? files[1] : [], file: "b.link")
        _ = try StructuredFeatures.knowledgeGraphTokens(kg: tableA, link: link, items: items, relations: flags & 2 != 0 ? ["r1"] : nil)
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    let seed = InputBuilder.seed
    // Invented rows in the two RecBole item-file layouts esans reads (class token_seq with a
    // token year; genre token with a float year): no real catalogue data in the repository.
    let classLayout = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        + "1\tThe Quiet Harbour\t1995\tAnimation Comedy\n2\tNorth of Nowhere\t1995\tAction Adventure Thriller\n"
        + "3\tPaper Lanterns\t\t\n"
    let genreLayout = "item_id:token\tmovie_title:token_seq\trelease_year:float\tgenre:token\n"
        + "1\tThe Quiet Harbour\t1995\tAnimation Comedy\nx\tSalt Road\t1995.0\tAction Crime\n2\tNone\t\t\n"
    let kg = "head_id:token\trelation_id:token\ttail_id:token\nm.1\tr1\tm.9\nm.1\tr2\tm.8\nm.2\tr1\tm.9\nm.7\tr1\tm.1\n"
    let link = "item_id:token\tentity_id:token\n1\tm.1\n2\tm.2\nx\tm.1\n"
    let floats = "item_id:token\tprice:float\tvec:float_seq\n1\t-2.5\t1 2 3\n2\t\t\nx\t1e3\t.5 -.5\n"
    return [
        ("class-layout-item", seed(0, [classLayout])),
        ("genre-layout-item", seed(1, [genreLayout])),
        ("kg-link", seed(2, [kg, link])),
        ("floats", seed(0, [floats])),
        ("bom-crlf", seed(0, ["\u{FEFF}item_id:token\tmovie_title:token_seq\r\n1\tA B\r\n\r\n2\tC\r\n"])),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
