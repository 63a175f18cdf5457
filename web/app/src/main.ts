import "./app.css";
document.getElementById("root")!.textContent = "ampmeter";
