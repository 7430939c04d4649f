document.getElementById("app").textContent = "collagenda";
