/** GraphiQL's opening document: named operations a newcomer can run at once, in a sensible order. */
export const defaultDocument = `# Welcome to bibgraph. Pick an operation with the ▶ button.
#
# 1. IngestExample stores two records.  2. SearchWithFacets finds them and draws the sidebar.
# 3. AuthorPage navigates from a person.  4. Typeahead suggests as you type.

mutation IngestExample {
  ingestRis(input: {
    source: "playground"
    ris: """
TY  - JOUR
TI  - Intravenous infusion umbilical cord-derived mesenchymal stem cell in primary immune thrombocytopenia: A two-year follow-up
AU  - Wang, Xiaohua
AD  - Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China
AU  - Müller, Käthe
AD  - Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China
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
ER  - 

TY  - JOUR
TI  - Stem cell transplantation outcomes in adults
AU  - Müller, Käthe
PY  - 2021
T2  - Journal of Hematology
KW  - mesenchymal stem cells
ER  - 
"""
  }) {
    created updated unchanged failed
    problems { record line severity message }
    citations { id title doi authors { name } }
  }
}

query SearchWithFacets {
  citations(filter: { search: "stem cells", yearFrom: 2000 }, orderBy: RELEVANCE, first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id title year containerTitle doi
      authors { id name }
      affiliations { name country }
      keywords { term }
    }
    facets {
      years { value label count }
      types { value label count }
      containerTitles(size: 5) { value label count }
      keywords(size: 5) { value label count }
      authors(size: 5) { value label count }
      affiliations(size: 5) { value label count }
    }
  }
}

query AuthorPage {
  authors(search: "muller kathe", first: 1) {
    nodes {
      id name citationCount
      affiliations { affiliation { name country } firstYear lastYear count }
      coauthors(first: 5) { author { name } count }
      keywords(first: 5) { keyword { term } count }
      citations(first: 10, orderBy: YEAR_DESC) { totalCount nodes { title year containerTitle } }
    }
  }
}

query Typeahead {
  suggest(prefix: "mull", first: 5) { id label kind hint count }
}

query LookupByDoi {
  citation(doi: "https://doi.org/10.3892/ETM.2017.4229") { title year authors { name } keywords { term } }
}
`;
