// Long tables (class pingan-long) become sortable and filterable with DataTables, from the
// offline bundle that the itables package ships (datatables.js, loaded before this script: no
// remote script). Without JavaScript, or without the bundle, they stay the plain HTML tables
// they are in the page.
(function () {
  "use strict";
  const DataTable = window.pinganDataTables && window.pinganDataTables.DataTable;
  if (!DataTable) {
    return;
  }
  for (const table of document.querySelectorAll("table.pingan-long")) {
    new DataTable(table, {
      // Paged, 25 rows at a time, unless links land on its rows (a row with an id): those stay
      // in the page, so that links to a row and the browser's find still work.
      paging: !table.querySelector("tbody [id]"),
      pageLength: 25,
      // The notebook's order until a reader sorts by a column.
      order: [],
      autoWidth: false,
      language: {
        search: "筛选 Filter:",
        info: "_TOTAL_ rows 行",
        infoEmpty: "0 rows 行",
        infoFiltered: "(of _MAX_ 共 _MAX_ 行)",
        zeroRecords: "No matching rows 无匹配",
        lengthMenu: "每页 _MENU_ rows per page",
        paginate: {previous: "‹ 上页", next: "下页 ›"},
      },
    });
  }
})();
