import "./chatbox.css";
export default { render() {} };
