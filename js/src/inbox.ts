import "./inbox.css";
export default { render() {} };
