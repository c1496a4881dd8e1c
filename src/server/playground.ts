/** GraphiQL's opening document: named operations a newcomer can run at once. */
export const defaultDocument = `# Welcome to bibgraph. Pick an operation with the ▶ button.
#
# Ingest some RIS first (run "IngestExample"), then search it.

mutation IngestExample {
  ingestRis(input: {
    source: "playground"
    ris: """
TY  - JOUR
TI  - Intravenous infusion umbilical cord-derived mesenchymal stem cell in primary immune thrombocytopenia: A two-year follow-up
AU  - Wang, Xiaohua
AU  - Yin, Xiaoguang
PY  - 2017
DA  - 2017/05/01
T2  - Experimental and Therapeutic Medicine
JO  - Exp Ther Med
VL  - 13
IS  - 5
SP  - 2255
EP  - 2258
DO  - 10.3892/etm.2017.4229
KW  - immune thrombocytopenia
KW  - mesenchymal stem cells
AD  - Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China
ER  - 
"""
  }) {
    created updated unchanged failed
    problems { record line severity message }
    citations { id title doi authors { name } }
  }
}

query LookupByNode($id: ID!) {
  node(id: $id) {
    id
    ... on Citation {
      title
      year
      containerTitle
      authors { name }
      keywords { term }
    }
  }
}
`;
