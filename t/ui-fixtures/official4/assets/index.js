console.log("react");
